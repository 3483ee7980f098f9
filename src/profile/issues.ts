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

/**
 * Whether a key may be printed: a short identifier made of word-sized pieces. Why: a key is the only
 * thing quoted from a file that is not a profile, and a token used as a key (`AKIA…`, `ghp_…`) is one
 * long piece or a line of `KEY=value`, never a camelCase or snake_case name.
 */
export function plausibleKey(key: string): boolean {
  if (key.length === 0 || key.length > 40 || !/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(key)) return false;
  return key
    .split(/[_-]|(?<=[a-z])(?=[A-Z])/)
    .every((piece) => piece.length <= 16 && (piece.match(/\d/g)?.length ?? 0) <= 2);
}

/** What a key path segment is shown as when it is not a plausible name. */
export const HIDDEN_KEY = '(key not shown)';

/** What kind of YAML value something is, for `found` when the value itself must not be shown. */
export function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'true or false';
  return typeof value;
}

// Why: a URL's user:password is a credential; it never appears in a line ccbox prints.
const USERINFO = /(\/\/)[^/@\s"]*@/g;

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
  text = text.replace(USERINFO, '$1***@');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Dotted path with [i] for array indices: `['egress','allow',0]` → `egress.allow[0]`. A segment that is
 * not a plausible key is shown as HIDDEN_KEY, so a path can never carry a line of a secret file.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const text = typeof key === 'string' && plausibleKey(key) ? key : HIDDEN_KEY;
      out += out === '' ? text : `.${text}`;
    }
  }
  return out;
}
