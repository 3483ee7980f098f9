import { closeSync, fstatSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';

/** Parse limits of a profile file: far above any real tier, far below what could hurt the host. */
export const PROFILE_LIMITS = {
  /** Bytes. The largest built-in tier is about 6 KB. */
  maxBytes: 256 * 1024,
  /** Alias nodes (`*name`) in one file. */
  maxAliases: 64,
  /** Nesting of mappings and lists. The deepest real field (mcp.servers.X.args[0]) is 4. */
  maxDepth: 32,
} as const;

/** A profile file as read: its text, or one problem that names no content of the file. */
export type ReadResult =
  | { ok: true; text: string; real: string; symlink: boolean }
  | { ok: false; problem: string; line?: number; real?: string; symlink?: boolean };

/**
 * Reads a profile file as UTF-8 text. Why so careful: `extends:` and a profile path can point at any
 * file (a FIFO that never ends, /dev/zero, a binary, a UTF-16 secrets dump), and whatever happens the
 * answer must be a one-line problem that quotes nothing from the file.
 */
export function readProfileFile(file: string): ReadResult {
  let real: string;
  let symlink: boolean;
  try {
    symlink = lstatSync(file).isSymbolicLink();
    real = realpathSync(file);
  } catch (cause) {
    return { ok: false, problem: `cannot read profile: ${errnoCode(cause)}` };
  }
  const where = { real, symlink };
  let fd: number;
  try {
    fd = openSync(real, 'r');
  } catch (cause) {
    return { ok: false, problem: `cannot read profile: ${errnoCode(cause)}`, ...where };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, problem: 'is not a regular file', ...where };
    if (stat.size > PROFILE_LIMITS.maxBytes)
      return { ok: false, problem: `is larger than ${PROFILE_LIMITS.maxBytes} bytes`, ...where };
    const buffer = Buffer.alloc(PROFILE_LIMITS.maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > PROFILE_LIMITS.maxBytes)
        return { ok: false, problem: `is larger than ${PROFILE_LIMITS.maxBytes} bytes`, ...where };
    }
    const decoded = decodeText(buffer.subarray(0, length));
    return 'text' in decoded ? { ok: true, text: decoded.text, ...where } : { ...decoded, ...where };
  } catch (cause) {
    return { ok: false, problem: `cannot read profile: ${errnoCode(cause)}`, ...where };
  } finally {
    closeSync(fd);
  }
}

/** Strict UTF-8 without control characters; a UTF-8 byte order mark is dropped. */
export function decodeText(
  bytes: Uint8Array,
): { text: string } | { ok: false; problem: string; line?: number } {
  const bom = bomName(bytes);
  if (bom !== null) return { ok: false, problem: `is ${bom} encoded; save it as UTF-8` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const loose = new TextDecoder('utf-8').decode(bytes);
    return { ok: false, problem: 'is not valid UTF-8 text', line: lineAt(loose, loose.indexOf('\uFFFD')) };
  }
  // Why: YAML forbids C0 controls other than tab and line breaks; a NUL means a binary file.
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.exec(text);
  if (control)
    return {
      ok: false,
      problem: `contains the control character U+${(control[0].codePointAt(0) ?? 0).toString(16).padStart(4, '0').toUpperCase()} (not a text file)`,
      line: lineAt(text, control.index),
    };
  return { text };
}

function bomName(bytes: Uint8Array): string | null {
  const [a, b, c, d] = bytes;
  if (a === 0x00 && b === 0x00 && c === 0xfe && d === 0xff) return 'UTF-32';
  if (a === 0xff && b === 0xfe && c === 0x00 && d === 0x00) return 'UTF-32';
  if ((a === 0xfe && b === 0xff) || (a === 0xff && b === 0xfe)) return 'UTF-16';
  return null;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

function errnoCode(cause: unknown): string {
  return (cause as NodeJS.ErrnoException | undefined)?.code ?? 'error';
}
