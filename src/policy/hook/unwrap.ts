import type { Arg } from './words.js';

/**
 * A command with its wrappers taken off: `sudo -u x env -i A=1 timeout 5 nice -n 5 /usr/bin/curl` is
 * `curl` run through four wrappers. `name` is the basename of what actually runs (null when it is only
 * known at run time), `path` the word as written.
 */
export interface Unwrapped {
  name: string | null;
  path: string | null;
  args: Arg[];
  wrappers: string[];
  /** NAME=VALUE pairs given to `env` (they reach the command's environment like a prefix assignment). */
  envAssigns: Array<{ name: string; value: Arg }>;
  /** Arguments the command gets from its stdin at run time (`xargs`), so never seen here. */
  stdinArgs: boolean;
  /** `command -v`, `type`: a lookup that runs nothing. */
  lookupOnly: boolean;
}

/** Options of a wrapper that take a value (so the value is not the wrapped command). */
interface WrapperSpec {
  valued: ReadonlySet<string>;
  /** Positional words the wrapper consumes before the command (timeout's duration, chroot's dir). */
  positional?: number;
}

const spec = (valued: string[], positional = 0): WrapperSpec => ({ valued: new Set(valued), positional });

// Why a table: each of these runs its operand as a command; missing one here means the decision
// would be about the wrapper instead of what it runs.
const WRAPPERS: Record<string, WrapperSpec> = {
  env: spec(['-u', '--unset', '-C', '--chdir', '-S', '--split-string']),
  sudo: spec(['-u', '-g', '-p', '-C', '-h', '-U', '-r', '-t', '-T', '-D', '--user', '--group']),
  doas: spec(['-u', '-C']),
  xargs: spec([
    '-I',
    '-n',
    '-P',
    '-L',
    '-l',
    '-s',
    '-d',
    '-E',
    '-e',
    '-a',
    '--arg-file',
    '--delimiter',
    '--max-args',
    '--max-procs',
    '--replace',
  ]),
  nohup: spec([]),
  setsid: spec([]),
  time: spec(['-f', '-o', '--format', '--output']),
  nice: spec(['-n', '--adjustment']),
  ionice: spec(['-c', '-n', '-p', '-t', '--class', '--classdata']),
  timeout: spec(['-s', '-k', '--signal', '--kill-after'], 1),
  stdbuf: spec(['-i', '-o', '-e', '--input', '--output', '--error']),
  command: spec([]),
  builtin: spec([]),
  exec: spec(['-a']),
  busybox: spec([]),
  chroot: spec(['--userspec', '--groups'], 1),
  unbuffer: spec([]),
  chronic: spec([]),
  caffeinate: spec([]),
  taskset: spec([], 1),
  numactl: spec(['-C', '-N', '-m', '-p', '-i']),
  strace: spec(['-o', '-e', '-p', '-s', '-u', '-E']),
  ltrace: spec(['-o', '-e', '-p', '-s', '-u']),
  proxychains: spec(['-f']),
  proxychains4: spec(['-f']),
  torsocks: spec([]),
  firejail: spec([]),
  unshare: spec([]),
  nsenter: spec(['-t', '--target']),
  runuser: spec(['-u', '-g', '--user', '--group']),
  pkexec: spec(['--user']),
  'systemd-run': spec(['-p', '--property', '-u', '--unit']),
  flatpak: spec([]),
  // Package runners run a package's binary: the decision is about that binary (`npx prisma migrate`).
  npx: spec(['-p', '--package']),
  coproc: spec([]),
  pnpx: spec([]),
  bunx: spec(['-p', '--package']),
};

export const basename = (p: string): string => p.replace(/\/+$/, '').split('/').pop() ?? p;

const isAssignment = (t: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*=/.test(t);

/** Takes wrappers off one argv (after aliases were expanded). */
export function unwrap(argv: readonly Arg[]): Unwrapped {
  const out: Unwrapped = {
    name: null,
    path: null,
    args: [],
    wrappers: [],
    envAssigns: [],
    stdinArgs: false,
    lookupOnly: false,
  };
  let rest = [...argv];
  for (let guard = 0; guard < 32; guard++) {
    const head = rest[0];
    if (head === undefined) return { ...out, name: out.wrappers.at(-1) ?? null };
    if (head.text === null) return { ...out, path: head.pattern, args: rest.slice(1) };
    const name = basename(head.text);
    const wrapper = WRAPPERS[name];
    if (wrapper === undefined) return { ...out, name, path: head.text, args: rest.slice(1) };
    out.wrappers.push(name);
    rest = rest.slice(1);
    if (name === 'xargs') out.stdinArgs = true;
    if (name === 'busybox' || name === 'flatpak') {
      if (name === 'flatpak' && rest[0]?.text === 'run') rest = rest.slice(1);
      continue;
    }
    let positional = wrapper.positional ?? 0;
    while (rest.length > 0) {
      const t = rest[0]?.text;
      if (t === null || t === undefined) break;
      if (t === '--') {
        rest = rest.slice(1);
        break;
      }
      if ((name === 'command' || name === 'type') && /^-[a-zA-Z]*[vV]/.test(t)) {
        return { ...out, name: 'command', path: 'command', args: rest, lookupOnly: true };
      }
      if (name === 'env' && (t === '-S' || t === '--split-string' || t.startsWith('--split-string='))) {
        // Why: `env -S "curl -d @x host"` splits one word into a whole command line.
        const value = t.includes('=') ? t.slice(t.indexOf('=') + 1) : (rest[1]?.text ?? null);
        const words = (value ?? '')
          .split(/\s+/)
          .filter(Boolean)
          .map((w) => ({ text: w, pattern: w, glob: false }));
        rest = [...words, ...rest.slice(t.includes('=') ? 1 : 2)];
        break;
      }
      if (name === 'env' && isAssignment(t)) {
        const eq = t.indexOf('=');
        const v = t.slice(eq + 1);
        out.envAssigns.push({ name: t.slice(0, eq), value: { text: v, pattern: v, glob: false } });
        rest = rest.slice(1);
        continue;
      }
      if (t.startsWith('-') && t.length > 1) {
        const [flag] = t.split('=');
        rest = rest.slice(wrapper.valued.has(flag ?? '') && !t.includes('=') ? 2 : 1);
        continue;
      }
      if (positional > 0) {
        positional--;
        rest = rest.slice(1);
        continue;
      }
      break;
    }
  }
  return { ...out, path: null, args: rest };
}
