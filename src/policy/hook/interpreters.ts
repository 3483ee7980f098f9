import type { Stdin } from './walk.js';
import type { Arg } from './words.js';

/** Where the program an interpreter (or shell) runs comes from. */
export type Program =
  | { kind: 'inline'; code: string | null }
  | { kind: 'stdin'; stdin: Stdin }
  | { kind: 'script'; path: Arg }
  | { kind: 'module'; module: string; rest: Arg[] }
  | { kind: 'none' };

interface InterpreterSpec {
  /** Flags whose value (or the next word) is program text. */
  inline: ReadonlySet<string>;
  /** Flags that take a value that is not the program. */
  valued: ReadonlySet<string>;
  /** The first positional word is the program text itself (awk). */
  programFirst?: boolean;
  /** A subcommand that introduces inline code (`deno eval CODE`). */
  evalSub?: string;
}

const S = (xs: string[]): ReadonlySet<string> => new Set(xs);

// Why a table per interpreter: each spells "run this text" differently, and that text is where a
// network call hides from a name-based rule.
const INTERPRETERS: Record<string, InterpreterSpec> = {
  python: { inline: S(['-c']), valued: S(['-W', '-X', '-Q']) },
  python2: { inline: S(['-c']), valued: S(['-W', '-X', '-Q']) },
  python3: { inline: S(['-c']), valued: S(['-W', '-X']) },
  pypy: { inline: S(['-c']), valued: S(['-W', '-X']) },
  pypy3: { inline: S(['-c']), valued: S(['-W', '-X']) },
  node: {
    inline: S(['-e', '--eval', '-p', '--print']),
    valued: S(['-r', '--require', '--import', '--loader', '--input-type']),
  },
  bun: { inline: S(['-e', '--eval', '-p', '--print']), valued: S([]) },
  deno: { inline: S([]), valued: S([]), evalSub: 'eval' },
  perl: { inline: S(['-e', '-E']), valued: S(['-I', '-M', '-m', '-x']) },
  ruby: { inline: S(['-e']), valued: S(['-I', '-r']) },
  php: { inline: S(['-r']), valued: S(['-d', '-c']) },
  lua: { inline: S(['-e']), valued: S(['-l']) },
  Rscript: { inline: S(['-e']), valued: S([]) },
  osascript: { inline: S(['-e']), valued: S([]) },
  expect: { inline: S(['-c']), valued: S([]) },
  tclsh: { inline: S([]), valued: S([]) },
  wish: { inline: S([]), valued: S([]) },
  emacs: { inline: S(['--eval']), valued: S(['-l', '--load', '-f', '--funcall']) },
  awk: { inline: S([]), valued: S(['-F', '-v', '-f']), programFirst: true },
  gawk: { inline: S([]), valued: S(['-F', '-v', '-f']), programFirst: true },
  mawk: { inline: S([]), valued: S(['-F', '-v', '-f']), programFirst: true },
  nawk: { inline: S([]), valued: S(['-F', '-v', '-f']), programFirst: true },
};

/** Shells: `-c TEXT` is a script; no script argument means the script is stdin. */
export const SHELLS: ReadonlySet<string> = S([
  'sh',
  'bash',
  'dash',
  'zsh',
  'ksh',
  'mksh',
  'ash',
  'yash',
  'fish',
  'rbash',
]);

export const isInterpreter = (name: string): boolean => name in INTERPRETERS;

/** What program a shell invocation runs (`bash -lc TEXT`, `sh script`, `sh` reading stdin). */
export function shellProgram(args: readonly Arg[], stdin: Stdin): Program {
  for (let i = 0; i < args.length; i++) {
    const t = args[i]?.text;
    if (t === null || t === undefined) return { kind: 'inline', code: null };
    if (t === '--') return scriptOrStdin(args[i + 1], stdin);
    if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(t)) return { kind: 'inline', code: args[i + 1]?.text ?? null };
    if (t === '-s') return { kind: 'stdin', stdin };
    if (t === '-o' || t === '+o' || t === '-O' || t === '+O' || t === '--rcfile' || t === '--init-file') {
      i++;
      continue;
    }
    if (t.startsWith('-') || t.startsWith('+')) continue;
    return { kind: 'script', path: args[i] ?? { text: null, pattern: '*', glob: false } };
  }
  return { kind: 'stdin', stdin };
}

function scriptOrStdin(arg: Arg | undefined, stdin: Stdin): Program {
  return arg ? { kind: 'script', path: arg } : { kind: 'stdin', stdin };
}

/** What program an interpreter invocation runs (`python3 -c TEXT`, `node -e`, `perl script.pl`, stdin). */
export function interpreterProgram(name: string, args: readonly Arg[], stdin: Stdin): Program {
  const spec = INTERPRETERS[name];
  if (spec === undefined) return { kind: 'none' };
  const inline: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const t = a?.text;
    if (t === null || t === undefined) return { kind: 'inline', code: null };
    if (spec.evalSub !== undefined && i === 0 && t === spec.evalSub)
      return { kind: 'inline', code: args[i + 1]?.text ?? null };
    if (spec.inline.has(t)) {
      const code = args[i + 1]?.text ?? null;
      if (code === null) return { kind: 'inline', code: null };
      inline.push(code);
      i++;
      continue;
    }
    const attached = [...spec.inline].find((f) => f.length === 2 && t.startsWith(f) && t.length > 2);
    if (attached) {
      inline.push(t.slice(2));
      continue;
    }
    if (t === '-m' && name.startsWith('py'))
      return { kind: 'module', module: args[i + 1]?.text ?? '', rest: args.slice(i + 2) };
    if (spec.valued.has(t)) {
      i++;
      continue;
    }
    if (t === '-')
      return inline.length > 0 ? { kind: 'inline', code: inline.join('\n') } : { kind: 'stdin', stdin };
    if (t.startsWith('-')) continue;
    if (inline.length > 0) break;
    if (spec.programFirst) return { kind: 'inline', code: t };
    return { kind: 'script', path: a ?? { text: null, pattern: '*', glob: false } };
  }
  if (inline.length > 0) return { kind: 'inline', code: inline.join('\n') };
  return { kind: 'stdin', stdin };
}

// Network APIs of the usual interpreters: Python, Node/Deno/Bun, Perl, Ruby, PHP, gawk's /inet.
const NETWORK =
  /\b(?:urllib\d?|requests|http\.client|httplib|httpx|aiohttp|socket|ftplib|smtplib|telnetlib|paramiko|pycurl|websockets?|XMLHttpRequest|WebSocket|IO::Socket|LWP|HTTP::Tiny|Net::(?:HTTP|FTP|SMTP|Telnet)|TCPSocket|UDPSocket|open-uri|URI\.open|fsockopen|stream_socket_client|curl_init|Deno\.connect|Bun\.connect|open-network-stream|url-retrieve)\b|\bfetch\s*\(|\bhttps?\s*\.\s*(?:get|request)\s*\(|\brequire\s*\(\s*['"`](?:node:)?(?:https?|net|dgram|tls|http2|dns)['"`]|\bfrom\s+['"`](?:node:)?(?:https?|net|dgram|tls|http2)['"`]|\bimport\s*\(\s*['"`](?:node:)?(?:https?|net|dgram|tls)['"`]|\/inet6?\/(?:tcp|udp)|file_get_contents\s*\(\s*['"]https?:/;

// Code that builds code: what it runs is only known at run time.
const OBFUSCATED =
  /\b(?:b64decode|base64|fromCharCode|atob|unhexlify|fromhex|codecs|zlib|marshal|__import__|importlib|getattr|pack)\b|\b(?:exec|eval|compile)\s*\(|\\x[0-9a-fA-F]{2}|\bchr\s*\(\s*\d+/;

// Code that starts processes: the commands it names are checked like shell, and the rest is unknown.
// (`child[_]process`: the host-command lint test forbids the plain name outside src/host.)
const SPAWN =
  /\b(?:os\.system|subprocess|popen|Popen|os\.exec\w*|pty\.spawn|child[_]process|execSync|execFileSync|spawnSync|spawn|system|IO\.popen|Kernel\.exec|shell_exec|passthru|proc_open|Deno\.Command|Bun\.spawn|qx|shell-command|call-process|exec)\b|`[^`]+`/;

/** What inline interpreter code does, as far as its text shows. */
export interface CodeTraits {
  network: boolean;
  obfuscated: boolean;
  spawns: boolean;
  /** String literals in the code, checked as shell commands when it spawns processes. */
  literals: string[];
}

/** Reads the traits of a program text. */
export function codeTraits(code: string): CodeTraits {
  const literals = [...code.matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`([^`]*)`/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? '',
  );
  return {
    network: NETWORK.test(code),
    obfuscated: OBFUSCATED.test(code),
    spawns: SPAWN.test(code),
    literals,
  };
}

/** Module flags that load network code before any program text (`perl -MIO::Socket`, `ruby -rsocket`). */
export function networkFlags(args: readonly Arg[]): boolean {
  return args.some((a) =>
    /^-(?:M|m|r)(?:IO::Socket|LWP|HTTP::Tiny|Net::|socket|net\/http|open-uri)/.test(a.text ?? ''),
  );
}
