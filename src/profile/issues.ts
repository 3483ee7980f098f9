/** One problem found in a profile, precise enough for a security reviewer to fix it without guessing. */
export interface ProfileIssue {
  severity: 'error' | 'warning';
  /** The profile file (or built-in name) the problem is in. */
  file: string;
  /** 1-based line in that file, when the YAML node could be located. */
  line?: number;
  /** Field path, e.g. `egress.allow[0]`. */
  path: string;
  message: string;
  /** What was found, rendered short. */
  found?: string;
  /** What is allowed instead. */
  allowed?: string;
}

/** Why one format: CI linters and humans both read these lines; `file:line: path: message`. */
export function formatIssue(issue: ProfileIssue): string {
  const where = issue.line !== undefined ? `${issue.file}:${issue.line}` : issue.file;
  const tail: string[] = [];
  if (issue.found !== undefined) tail.push(`found ${issue.found}`);
  if (issue.allowed !== undefined) tail.push(`allowed: ${issue.allowed}`);
  const suffix = tail.length > 0 ? ` (${tail.join('; ')})` : '';
  const prefix = issue.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${prefix}${issue.path || '(profile)'}: ${issue.message}${suffix}`;
}

/** Renders a value for `found`, bounded so a huge value cannot flood the terminal. */
export function renderFound(value: unknown): string {
  let text: string;
  if (value === undefined) text = 'nothing';
  else if (typeof value === 'string') text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value) ?? typeof value;
    } catch {
      text = typeof value;
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Dotted path with [i] for array indices: `['egress','allow',0]` → `egress.allow[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}
