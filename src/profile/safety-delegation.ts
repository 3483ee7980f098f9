/**
 * Allow rules that delegate: a command that runs whatever code or command it is handed (a shell, an
 * interpreter's inline-code flag, a privilege or environment wrapper, a package runner) allowed with a
 * wildcard is `Bash(*)` in disguise. Claude Code's `*` matches any text, spaces included, anywhere in
 * the rule (`sh -c *`, `sh -c:*`, `sh*`, `python3 -c"*"`), so every form is checked.
 */

const SHELLS = new Set([
  'sh',
  'bash',
  'zsh',
  'dash',
  'ksh',
  'mksh',
  'ash',
  'fish',
  'csh',
  'tcsh',
  'busybox',
  'pwsh',
  'powershell',
  'cmd',
]);

/** Interpreters and the flags that take a program as their argument. */
const INTERPRETERS: Record<string, readonly string[]> = {
  python: ['-c'],
  pypy: ['-c'],
  node: ['-e', '--eval', '-p', '--print'],
  nodejs: ['-e', '--eval', '-p', '--print'],
  deno: ['eval', '-e', '--eval'],
  bun: ['-e', '--eval', '-p', '--print'],
  perl: ['-e', '-E'],
  ruby: ['-e'],
  php: ['-r', '-B', '-R', '-E'],
  lua: ['-e'],
  luajit: ['-e'],
  julia: ['-e', '-E', '--eval', '--print'],
  rscript: ['-e'],
  r: ['-e'],
  osascript: ['-e'],
  tclsh: [],
  awk: [],
  gawk: [],
  mawk: [],
  nawk: [],
};

// Why awk and friends: their first operand is the program itself.
const PROGRAM_FIRST = new Set(['awk', 'gawk', 'mawk', 'nawk']);

/** Commands that run the command that follows them, with other rights or another environment. */
const WRAPPERS = new Set([
  'sudo',
  'doas',
  'su',
  'runuser',
  'pkexec',
  'env',
  'exec',
  'eval',
  'command',
  'builtin',
  'nice',
  'ionice',
  'nohup',
  'timeout',
  'time',
  'stdbuf',
  'setsid',
  'chroot',
  'unshare',
  'nsenter',
  'xargs',
  'watch',
  'flock',
  'taskset',
  'chrt',
  'strace',
  'ltrace',
  'unbuffer',
  'script',
  'noglob',
  'parallel',
  'systemd-run',
  'firejail',
  'bwrap',
  'proot',
  'fakeroot',
]);

/** Package runners: they fetch (or find) a package and run it; one word or a command and subcommand. */
const RUNNERS: Record<string, readonly string[] | true> = {
  npx: true,
  pnpx: true,
  bunx: true,
  uvx: true,
  npm: ['exec', 'x'],
  pnpm: ['exec', 'dlx'],
  yarn: ['exec', 'dlx'],
  bun: ['x'],
  pipx: ['run'],
  uv: ['run', 'tool'],
  deno: ['run', 'x'],
  gem: ['exec'],
  go: ['run'],
};
// Why `-c`/`--call` for runners: `npx -c '…'` and `npm exec -c '…'` run a shell string.
const RUNNER_INLINE = ['-c', '--call'];

const DELEGATING = [...SHELLS, ...Object.keys(INTERPRETERS), ...WRAPPERS, ...Object.keys(RUNNERS)];

/** The first of `names` a command-name glob such as `py*` or `s*h` matches, or undefined. */
export function globHit(glob: string, names: Iterable<string>): string | undefined {
  const re = new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  for (const name of names) if (re.test(name)) return name;
  return undefined;
}

/** Splits a rule's command on whitespace outside quotes; an unclosed quote runs to the end. */
export function ruleWords(spec: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | null = null;
  for (const ch of spec) {
    if (quote !== null) {
      word += ch;
      if (ch === quote) quote = null;
    } else if (/\s/.test(ch)) {
      if (word !== '') words.push(word);
      word = '';
    } else {
      if (ch === '"' || ch === "'") quote = ch;
      word += ch;
    }
  }
  if (word !== '') words.push(word);
  return words;
}

/** `/usr/bin/python3.12` → `python`; `Rscript` → `rscript`. */
function commandName(word: string): string {
  const base =
    word
      .replace(/^["']|["']$/g, '')
      .split('/')
      .at(-1) ?? '';
  return base.toLowerCase().replace(/(?<=[a-z])[\d.]+$/, '');
}

const wild = (word: string): boolean => word.includes('*');

function isInline(option: string, flags: readonly string[]): boolean {
  const flag = option.split('=')[0] ?? option;
  if (flags.includes(flag)) return true;
  // Clustered short options: `-lc`, `-Ic`, `-ne`.
  return (
    /^-[A-Za-z]{2,}$/.test(flag) && flags.some((f) => /^-[A-Za-z]$/.test(f) && flag.includes(f.slice(1)))
  );
}

function isPowerShellInline(option: string): boolean {
  const flag = option.toLowerCase();
  return (
    flag.length > 1 &&
    (['-c', '-e', '-ec'].includes(flag) || '-command'.startsWith(flag) || '-encodedcommand'.startsWith(flag))
  );
}

/**
 * Scans the words after a code-running command: a wildcard before or in the first operand (the script,
 * module or package) may stand for an inline-code flag or any file; after an inline-code flag, any
 * wildcard may stand for the code itself.
 */
function delegatesAfter(
  words: readonly string[],
  inline: (w: string) => boolean,
  programFirst: boolean,
): boolean {
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    if (wild(word)) return true;
    if (word === '--') continue;
    if (word.startsWith('-')) {
      if (inline(word)) return words.slice(i + 1).some(wild);
      continue;
    }
    // The first operand is fixed: what follows are its own arguments, unless it is the program itself.
    return programFirst && words.slice(i + 1).some(wild);
  }
  return false;
}

/** A one-line reason when an allow rule's command delegates to whatever it is given, else null. */
export function checkDelegation(spec: string): string | null {
  const normalised = spec.replace(/:\*$/, ' *').trim();
  let words = ruleWords(normalised);
  // Leading `VAR=value` assignments run the command after them; `*` there can be any command.
  while (words[0] !== undefined && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
    if (wild(words[0])) return 'puts a wildcard where the command goes, so it matches any command';
    words = words.slice(1);
  }
  const head = words[0];
  if (head === undefined) return null;
  const rest = words.slice(1);
  if (wild(head)) {
    if (head.includes('/')) return 'puts a wildcard in the command path, so it matches any program';
    const hit = globHit(head, DELEGATING);
    if (hit)
      return `puts a wildcard in the command name, which matches ${hit} (it runs any code it is given)`;
    return null;
  }
  const name = commandName(head);
  if (WRAPPERS.has(name) && rest.some(wild))
    return `${name} followed by a wildcard runs any command (a privilege or environment wrapper)`;
  const runner = RUNNERS[name];
  if (runner !== undefined) {
    const sub = runner === true ? 0 : rest[0] !== undefined && runner.includes(rest[0]) ? 1 : -1;
    if (sub >= 0 && delegatesAfter(rest.slice(sub), (w) => RUNNER_INLINE.includes(w), false))
      return `${[name, ...rest.slice(0, sub)].join(' ')} followed by a wildcard fetches and runs any package or command`;
  }
  if (SHELLS.has(name) || INTERPRETERS[name] !== undefined) {
    const powershell = name === 'pwsh' || name === 'powershell';
    const flags = INTERPRETERS[name] ?? ['-c'];
    const inline = powershell ? isPowerShellInline : (w: string) => isInline(w, flags);
    const kind = SHELLS.has(name) ? 'a shell' : 'an interpreter';
    // A subcommand that evaluates code (`deno eval …`).
    const subEval = rest[0] !== undefined && !rest[0].startsWith('-') && flags.includes(rest[0]);
    if (subEval ? rest.slice(1).some(wild) : delegatesAfter(rest, inline, PROGRAM_FIRST.has(name)))
      return `${name} with a wildcard where its code or script goes runs any code (${kind} with an inline-code flag or any script)`;
    // Why: `echo '…' | python3` runs the piped text, and `echo` needs no permission at all.
    if (rest.every((w) => ['-', '-s', '-i', '--stdin'].includes(w)))
      return `${name} without a script reads its code from standard input (echo … | ${name})`;
  }
  return null;
}
