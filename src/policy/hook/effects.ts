import type { Arg } from './words.js';

/** A command another command runs: an argv (`find -exec`), or shell text (`su -c`, `watch`). */
export type Nested =
  { kind: 'exec'; argv: Arg[]; via: string } | { kind: 'code'; code: string | null; via: string };

const text = (a: Arg | undefined): string | null => a?.text ?? null;
const joinAll = (args: readonly Arg[]): string | null =>
  args.every((a) => a.text !== null) ? args.map((a) => a.text).join(' ') : null;

/** What a command runs besides itself (the wrappers of unwrap.ts aside). */
export function commandEffects(name: string, args: readonly Arg[]): Nested[] {
  const out: Nested[] = [];
  const at = (flag: string): number => args.findIndex((a) => a.text === flag);
  switch (name) {
    case 'find': {
      for (let i = 0; i < args.length; i++) {
        if (!['-exec', '-execdir', '-ok', '-okdir'].includes(args[i]?.text ?? '')) continue;
        const end = args.findIndex((a, j) => j > i && (a.text === ';' || a.text === '+'));
        out.push({ kind: 'exec', argv: args.slice(i + 1, end === -1 ? undefined : end), via: 'find -exec' });
      }
      break;
    }
    case 'su':
    case 'runuser':
    case 'script':
    case 'flock': {
      const i = args.findIndex((a) => a.text === '-c' || a.text === '--command');
      if (i !== -1) out.push({ kind: 'code', code: text(args[i + 1]), via: `${name} -c` });
      break;
    }
    case 'watch': {
      const rest = args.filter(
        (a, i) => !(a.text ?? '').startsWith('-') && !['-n', '--interval'].includes(args[i - 1]?.text ?? ''),
      );
      out.push({ kind: 'code', code: joinAll(rest), via: 'watch' });
      break;
    }
    case 'trap': {
      // `trap 'curl x' EXIT` runs its first argument as shell when the signal comes.
      const first = args.find((a) => !['-p', '-l', '--'].includes(a.text ?? ''));
      if (first && first.text !== '-' && first.text !== '')
        out.push({ kind: 'code', code: text(first), via: 'trap' });
      break;
    }
    case 'vim':
    case 'vi':
    case 'nvim':
    case 'ex':
    case 'view': {
      // `vim -c '!curl x'` and `vim +'!curl x'` run shell commands.
      for (let i = 0; i < args.length; i++) {
        const t = args[i]?.text ?? null;
        const cmd =
          t === '-c' || t === '--cmd'
            ? (args[i + 1]?.text ?? null)
            : t?.startsWith('+')
              ? t.slice(1)
              : undefined;
        if (cmd === undefined) continue;
        if (cmd === null || cmd.startsWith('!'))
          out.push({ kind: 'code', code: cmd?.slice(1) ?? null, via: `${name} -c` });
      }
      break;
    }
    case 'make': {
      // A makefile read from stdin (or a pipe) has recipes nobody can see here.
      const i = args.findIndex((a) => a.text === '-f' || a.text === '--file' || a.text === '--makefile');
      const file = i === -1 ? undefined : args[i + 1]?.text;
      if (
        i !== -1 &&
        (file == null || file === '-' || file.startsWith('/dev/') || file.startsWith('/proc/'))
      ) {
        out.push({ kind: 'code', code: null, via: 'make -f' });
      }
      break;
    }
    case 'npm':
    case 'pnpm':
    case 'yarn':
    case 'bun': {
      // `npm exec -- curl`, `pnpm dlx x`, `bun x y`: the package manager runs the named binary.
      const sub = args.findIndex((a) => !(a.text ?? '-').startsWith('-'));
      if (!['exec', 'x', 'dlx'].includes(args[sub]?.text ?? '')) break;
      const rest = args
        .slice(sub + 1)
        .filter(
          (a, i, all) =>
            (a.text !== '--' && !(a.text ?? '').startsWith('-')) ||
            all.slice(0, i).some((b) => b.text === '--'),
        );
      if (rest.length > 0)
        out.push({ kind: 'exec', argv: rest.filter((a) => a.text !== '--'), via: `${name} exec` });
      break;
    }
    case 'parallel': {
      const i = at(':::');
      const cmd = (i === -1 ? args : args.slice(0, i)).filter((a) => !(a.text ?? '').startsWith('-'));
      if (cmd.length > 0) out.push({ kind: 'code', code: joinAll(cmd), via: 'parallel' });
      break;
    }
    default:
      break;
  }
  return out;
}

// Commands whose path arguments are written (or removed): a control-plane path there needs a human.
const WRITERS = new Set([
  'cp',
  'mv',
  'ln',
  'install',
  'rm',
  'rmdir',
  'unlink',
  'shred',
  'touch',
  'tee',
  'truncate',
  'chmod',
  'chown',
  'chgrp',
  'mkdir',
  'dd',
  'rsync',
  'patch',
]);
// Commands that print their arguments or test a name without reading the file's content.
const NAME_ONLY = new Set([
  'echo',
  'printf',
  'test',
  '[',
  'ls',
  'basename',
  'dirname',
  'command',
  'type',
  'which',
]);

/** Whether a command writes the paths it names. */
export function writesTo(name: string, args: readonly Arg[]): boolean {
  if (WRITERS.has(name)) return true;
  if (name === 'sed' || name === 'perl')
    return args.some((a) => /^-[a-zA-Z]*i/.test(a.text ?? '') || a.text === '--in-place');
  if (name === 'git')
    return ['checkout', 'restore', 'mv', 'rm', 'apply'].includes(
      args.find((a) => !(a.text ?? '-').startsWith('-'))?.text ?? '',
    );
  return false;
}

/** The words of a command that may name a file: plain words, `--opt=PATH`, `if=`/`of=`, `@FILE`. */
export function pathCandidates(name: string, args: readonly Arg[]): Array<{ text: string; glob: boolean }> {
  if (NAME_ONLY.has(name)) return [];
  const out: Array<{ text: string; glob: boolean }> = [];
  for (const a of args) {
    let t = a.text;
    if (t === null || t === '' || /\s/.test(t) || t.includes('://')) continue;
    if (t.startsWith('-')) {
      const eq = t.indexOf('=');
      if (eq === -1) continue;
      t = t.slice(eq + 1);
    } else if (/^(?:if|of)=/.test(t)) t = t.slice(3);
    if (t.startsWith('@')) t = t.slice(1);
    if (t !== '') out.push({ text: t, glob: a.glob });
  }
  return out;
}

// Variables whose value a program later runs as a shell command.
export const CODE_VARS = new Set([
  'GIT_SSH_COMMAND',
  'GIT_SSH',
  'GIT_PAGER',
  'PAGER',
  'GIT_EDITOR',
  'EDITOR',
  'VISUAL',
  'GIT_EXTERNAL_DIFF',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'BASH_ENV',
  'ENV',
  'PROMPT_COMMAND',
  'LESSOPEN',
  'GIT_PROXY_COMMAND',
]);
// Variables that load code into the next program.
export const LOADER_VARS = /^(?:LD_PRELOAD|LD_AUDIT|DYLD_INSERT_LIBRARIES|PYTHONSTARTUP|PERL5OPT|RUBYOPT)$/;
