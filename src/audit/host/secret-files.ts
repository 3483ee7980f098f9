import { lstatSync, openSync, readdirSync, readSync, closeSync, constants } from 'node:fs';
import path from 'node:path';

/** Bounds on what is read: secret files are small; a huge or deep tree is not read whole at every start. */
const MAX_FILE_BYTES = 256 * 1024;
const MAX_FILES = 500;

// `KEY=value`, `export KEY="value"`, `key: value` (YAML), `"key": "value"` (JSON).
const ASSIGNMENT = /^\s*(?:export\s+)?["']?[\w.-]+["']?\s*[=:]\s*(.*?)\s*,?\s*$/;

function unquote(value: string): string {
  const m = /^(["'`])(.*)\1$/.exec(value);
  return m?.[2] ?? value;
}

/**
 * The values a secret file holds: each assignment's value, and each other line as a whole. Why lines
 * too: key files and token files are one value per line, and a value found twice costs nothing.
 */
export function secretValuesOf(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('//')) continue;
    const m = ASSIGNMENT.exec(line);
    if (m?.[1] !== undefined && m[1] !== '') out.push(unquote(m[1]));
    out.push(line);
  }
  return out;
}

function readBounded(file: string): string | undefined {
  // O_NOFOLLOW: the worktree is the agent's; a link placed there must not make the host read elsewhere.
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(MAX_FILE_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Every value in the worktree's secret paths (worktree-relative files or folders, as the mount plan
 * masked them). Links are not followed and nothing outside `root` is read. Why on the host: the agent
 * sees these files masked, the gate never sees the worktree, so the host is the one place that can.
 */
export function readSecretValues(root: string, relPaths: readonly string[]): string[] {
  const values: string[] = [];
  let files = 0;
  const visit = (abs: string): void => {
    if (files >= MAX_FILES) return;
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(abs).sort()) visit(path.join(abs, name));
    } else if (st.isFile()) {
      files += 1;
      const text = readBounded(abs);
      if (text !== undefined) values.push(...secretValuesOf(text));
    }
  };
  for (const rel of relPaths) {
    const abs = path.resolve(root, rel);
    if (abs === root || !abs.startsWith(`${root}${path.sep}`)) continue;
    visit(abs);
  }
  return values;
}
