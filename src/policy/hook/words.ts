import type { ShNode } from './parser.js';

/**
 * One shell word as the shell would see it after quote removal. `text` is null when any part of it is
 * only known at run time (a variable the command did not set, a substitution); `pattern` then shows
 * the static parts with `*` in place of the rest. `glob` is true when an unquoted `*`, `?` or `[` is in it.
 */
export interface Arg {
  text: string | null;
  pattern: string;
  glob: boolean;
}

/** What a word's value may depend on: variables set earlier in the same command, and `~`. */
export interface WordEnv {
  home: string;
  vars: ReadonlyMap<string, string>;
}

const DYNAMIC: Arg = { text: null, pattern: '*', glob: false };

/** Resolves a word node (word, string, concatenation, expansion, ...) to its value. */
export function resolveWord(node: ShNode, env: WordEnv, first = true): Arg {
  switch (node.type) {
    case 'word': {
      const { text, glob } = unescapeWord(node.text);
      const tilde = first ? expandTilde(text, env.home) : text;
      return { text: tilde, pattern: tilde, glob };
    }
    case 'number':
    case 'brace_expression':
      return literal(node.text);
    case 'raw_string':
      return literal(node.text.slice(1, -1));
    case 'ansi_c_string':
      return literal(decodeAnsiC(node.text.slice(2, -1)));
    case 'string':
    case 'translated_string':
      return join(
        node.children
          .filter((c) => c.named)
          .map((c) =>
            c.type === 'string_content' ? literal(unescapeDq(c.text)) : resolveWord(c, env, false),
          ),
      );
    case 'concatenation':
      return join(node.children.map((c, i) => resolveWord(c, env, first && i === 0)));
    case 'simple_expansion':
    case 'expansion':
      return variable(node, env);
    case 'command_substitution':
      return lookupSubstitution(node);
    default:
      return DYNAMIC;
  }
}

const literal = (text: string): Arg => ({ text, pattern: text, glob: false });

function join(parts: Arg[]): Arg {
  const known = parts.every((p) => p.text !== null);
  return {
    text: known ? parts.map((p) => p.text).join('') : null,
    pattern: parts.map((p) => p.pattern).join(''),
    glob: parts.some((p) => p.glob),
  };
}

// Why only `$NAME` and `${NAME}`: any other expansion (`${X:-y}`, `${X/a/b}`, `${!X}`) can compute a
// value the decider would have to evaluate; it stays dynamic and the decision treats it as unknown.
function variable(node: ShNode, env: WordEnv): Arg {
  const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(node.text);
  if (m === null || (node.text.startsWith('${') && !node.text.endsWith('}'))) return DYNAMIC;
  if (env.vars.has('IFS')) return DYNAMIC;
  const name = m[1] ?? '';
  const value = env.vars.get(name) ?? (name === 'HOME' ? env.home : undefined);
  return value === undefined ? DYNAMIC : literal(value);
}

// Why `$(which curl)` resolves: it is the usual way to name a binary without writing its name as the
// command word, and what it prints is the path of that very name.
function lookupSubstitution(node: ShNode): Arg {
  const m = /^(?:\$\(|`)\s*(?:which|command\s+-v|type\s+-P)\s+([A-Za-z0-9._+-]+)\s*(?:\)|`)$/.exec(node.text);
  if (m?.[1] === undefined) return DYNAMIC;
  return literal(`/usr/bin/${m[1]}`);
}

function expandTilde(text: string, home: string): string {
  if (text === '~' || text.startsWith('~/')) return home + text.slice(1);
  const m = /^~([a-z_][a-z0-9_-]*)(\/.*)?$/.exec(text);
  if (m === null) return text;
  const user = m[1] ?? '';
  return `${user === 'root' ? '/root' : `/home/${user}`}${m[2] ?? ''}`;
}

function unescapeWord(raw: string): { text: string; glob: boolean } {
  let text = '';
  let glob = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? '';
    if (c === '\\') {
      const next = raw[i + 1];
      i++;
      if (next !== undefined && next !== '\n') text += next;
      continue;
    }
    if (c === '*' || c === '?' || c === '[') glob = true;
    text += c;
  }
  return { text, glob };
}

function unescapeDq(raw: string): string {
  return raw.replace(/\\([$`"\\\n])/g, (_m, c: string) => (c === '\n' ? '' : c));
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/** Decodes the body of `$'...'` the way Bash does (so `$'\x63url'` is `curl`). */
export function decodeAnsiC(body: string): string {
  return body.replace(
    /\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8})|c(.)|(.))/gs,
    (m, oct?: string, hex?: string, u4?: string, u8?: string, ctl?: string, ch?: string) => {
      const code = oct
        ? parseInt(oct, 8)
        : hex
          ? parseInt(hex, 16)
          : u4
            ? parseInt(u4, 16)
            : u8
              ? parseInt(u8, 16)
              : null;
      if (code !== null) return code <= 0x10ffff ? String.fromCodePoint(code) : '';
      if (ctl !== undefined) return String.fromCharCode(ctl.charCodeAt(0) & 0x1f);
      return ch !== undefined ? (SIMPLE_ESCAPES[ch] ?? `\\${ch}`) : m;
    },
  );
}

// Why: `c{u,}rl` is brace-expanded by Bash to `curl rl`; a name with a glob (`/usr/bin/cu?l`) is only
// known once the shell expands it.
export function braceName(argv: Arg[]): Arg[] {
  const [head, ...rest] = argv;
  const t = head?.text;
  if (head === undefined || t == null) return argv;
  if (head.glob) return [{ text: null, pattern: t, glob: true }, ...rest];
  // An unquoted `$x` holding `curl https://...` is split into words; a quoted name with a space is
  // not a program anyone has, so splitting is the strict reading either way.
  if (/\s/.test(t.trim()))
    return [
      ...t
        .trim()
        .split(/\s+/)
        .map((w) => ({ text: w, pattern: w, glob: false })),
      ...rest,
    ];
  const m = /^(.*?)\{([^{}]*,[^{}]*)\}(.*)$/s.exec(t);
  if (m === null) return argv;
  const words = (m[2] ?? '').split(',').map((alt) => `${m[1] ?? ''}${alt}${m[3] ?? ''}`);
  return [...words.map((w) => ({ text: w, pattern: w, glob: false })), ...rest];
}

/** The words joined by spaces when all are static (`eval a b`), else null. */
export function allText(args: readonly Arg[]): string | null {
  return args.every((a) => a.text !== null) ? args.map((a) => a.text).join(' ') : null;
}
