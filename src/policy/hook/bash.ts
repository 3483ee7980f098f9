import type { ShellParser } from './parser.js';
import type { HookVerdict } from './types.js';
import { outputOf, walkScript, type SimpleCommand, type Stdin } from './walk.js';
import { basename, unwrap } from './unwrap.js';
import { canonicalName, familyHeads, matchFamilies, type Family } from './families.js';
import {
  codeTraits,
  interpreterProgram,
  isInterpreter,
  networkFlags,
  shellProgram,
  SHELLS,
  type Program,
} from './interpreters.js';
import { classifyPath, displayPath, resolvePath, type PathRules } from './paths.js';
import { commandEffects, pathCandidates, writesTo } from './effects.js';
import { gitConfigCode, gitAlias } from './git.js';
import type { Arg } from './words.js';

/** One reason a command is not plain local work. */
export interface Finding {
  decision: HookVerdict;
  rule: string;
  reason: string;
  paths?: string[];
}

/** What the Bash analysis needs: the loaded parser, the tier's tables, and where the command runs. */
export interface BashEnv {
  parser: ShellParser;
  families: ReadonlyMap<string, Family>;
  paths: PathRules;
  home: string;
  cwd: string;
  sessionCreated: ReadonlySet<string>;
  /** Resolves a symlink inside the worktree, where the caller can see the filesystem. */
  realpath?: ((abs: string) => string | undefined) | undefined;
}

/** The analysis of one Bash command line. */
export interface BashAnalysis {
  findings: Finding[];
  /** Each simple command, wrappers removed, as `name arg ...`. */
  normalised: string[];
  paths: string[];
}

// Why a limit: `bash -c "bash -c ..."` nests; past this depth the text is treated as unknown.
const MAX_DEPTH = 6;

// Variables whose value a program later runs as a shell command.
const CODE_VARS = new Set([
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
const LOADER_VARS = /^(?:LD_PRELOAD|LD_AUDIT|DYLD_INSERT_LIBRARIES|PYTHONSTARTUP|PERL5OPT|RUBYOPT)$/;

class Analysis {
  readonly findings: Finding[] = [];
  readonly normalised: string[] = [];
  readonly paths = new Set<string>();
  private readonly vars = new Map<string, string>();
  private readonly aliases = new Map<string, Arg[]>();
  /** Paths this command line copies a known program to (`cp /usr/bin/curl ./c`), by absolute path. */
  private readonly copies = new Map<string, string>();
  /** Paths this command line writes (a script written, then run, is its own family). */
  private readonly created = new Set<string>();
  /** What this command line wrote into a file, where the text shows it (`printf 'curl x' > t.sh`). */
  private readonly contents = new Map<string, string>();
  /** Symlinks this command line makes (`ln -s .env x; cat x`). */
  private readonly links = new Map<string, string>();
  private readonly heads: Set<string>;
  private cwd: string;

  constructor(private readonly env: BashEnv) {
    this.cwd = env.cwd;
    this.heads = familyHeads(env.families);
    for (const s of [...SHELLS, 'python', 'python3', 'node', 'perl', 'ruby', 'php', 'env', 'busybox'])
      this.heads.add(s);
  }

  family(name: string, detail: string): Finding {
    const f = this.env.families.get(name);
    return {
      decision: f?.decision ?? 'ask',
      rule: name,
      reason: `${f?.reason ?? name}${detail ? ` (${detail})` : ''}`,
    };
  }

  unresolved(detail: string): void {
    this.findings.push(this.family('unresolved-command', detail));
  }

  script(code: string | null, via: string[], depth: number, what: string): void {
    if (code === null) return this.unresolved(`${what} runs text only known at run time`);
    if (depth > MAX_DEPTH) return this.unresolved('nesting too deep');
    const root = this.env.parser.parse(code);
    if (root === null) return this.unresolved('the command could not be parsed');
    const walked = walkScript(root, this.env.home, this.vars, via);
    if (walked.unreadable.length > 0) this.unresolved('part of the command could not be parsed');
    for (const cmd of walked.commands) this.command(cmd, depth);
  }

  command(cmd: SimpleCommand, depth: number): void {
    for (const a of cmd.assigns) this.assignment(a.name, a.value, cmd.via, depth);
    const output = outputOf([cmd]);
    for (const r of cmd.redirects) this.redirect(r.op, r.target, output.kind === 'code' ? output.text : null);
    let argv = cmd.argv;
    const head = argv[0]?.text;
    const alias = head != null ? this.aliases.get(head) : undefined;
    if (alias) argv = [...alias, ...argv.slice(1)];
    argv = braceName(argv);
    if (argv.length === 0) return;
    const u = unwrap(argv);
    for (const a of u.envAssigns) this.assignment(a.name, a.value, cmd.via, depth);
    if (u.name === null) {
      this.normalised.push([u.path ?? '*', ...u.args.map(show)].join(' '));
      this.unresolved(`command name ${u.path ?? '(empty)'}`);
      this.argPaths('', u.args);
      return;
    }
    let name = canonicalName(u.name);
    if (u.path?.includes('/')) {
      const abs = resolvePath(u.path, this.cwd);
      const copied = this.copies.get(abs);
      if (copied) name = copied;
      else if (this.isSessionFile(abs))
        this.findings.push(this.family('session-script', displayPath(abs, this.env.paths.workspace)));
    }
    this.normalised.push([name, ...u.args.map(show)].join(' '));
    if (u.lookupOnly) return;
    this.runs(name, u.args, cmd.stdin, [...cmd.via, name], depth);
  }

  private runs(name: string, args: Arg[], stdin: Stdin, via: string[], depth: number): void {
    if (SHELLS.has(name)) return this.program(shellProgram(args, stdin), name, via, depth, true);
    if (name === 'eval') return this.script(allText(args), via, depth + 1, 'eval');
    if (name === 'source' || name === '.') return args[0] && this.scriptFile(args[0], via, depth, null);
    if (name === 'alias') return this.alias(args, via, depth);
    if (name === 'cd') {
      this.cwd = args[0]?.text != null ? resolvePath(args[0].text, this.cwd) : this.env.home;
      return;
    }
    if (isInterpreter(name)) {
      const program = interpreterProgram(name, args, stdin);
      if (program.kind === 'module') {
        if (/^pip\d?$/.test(program.module)) return this.runs('pip', program.rest, stdin, via, depth);
      } else this.program(program, name, via, depth, false);
      if (networkFlags(args))
        this.findings.push(this.family('network-transfer', `${name} loads a network module`));
    }
    if (name === 'git') this.git(args, via, depth);
    for (const nested of commandEffects(name, args)) {
      if (nested.kind === 'exec')
        this.command(
          {
            argv: nested.argv,
            assigns: [],
            redirects: [],
            stdin: { kind: 'dynamic', from: name },
            via: [...via, nested.via],
          },
          depth + 1,
        );
      else if (nested.kind === 'code') this.script(nested.code, [...via, nested.via], depth + 1, nested.via);
    }
    for (const f of matchFamilies(this.env.families, name, args)) {
      if (f.decision !== 'allow') this.findings.push(this.family(f.name, name));
    }
    this.copiesAndLinks(name, args);
    this.argPaths(name, args);
  }

  private program(p: Program, name: string, via: string[], depth: number, shell: boolean): void {
    switch (p.kind) {
      case 'inline':
        if (shell) return this.script(p.code, [...via, '-c'], depth + 1, `${name} -c`);
        return this.code(p.code, name, via, depth);
      case 'stdin':
        if (p.stdin.kind === 'code')
          return shell
            ? this.script(p.stdin.text, [...via, 'stdin'], depth + 1, name)
            : this.code(p.stdin.text, name, via, depth);
        if (p.stdin.kind === 'file') return this.scriptFile(p.stdin.path, via, depth, shell ? null : name);
        if (p.stdin.kind === 'dynamic')
          return this.unresolved(`output of ${p.stdin.from} piped into ${name}`);
        return;
      case 'script':
        return this.scriptFile(p.path, via, depth, shell ? null : name);
      case 'module':
      case 'none':
        return;
    }
  }

  private code(code: string | null, name: string, via: string[], depth: number): void {
    if (code === null) return this.unresolved(`${name} runs code only known at run time`);
    const t = codeTraits(code);
    if (t.network)
      this.findings.push(this.family('network-transfer', `${name} code opens network connections`));
    if (t.obfuscated) this.unresolved(`${name} code decodes or builds code at run time`);
    if (t.spawns) {
      this.unresolved(`${name} code starts processes`);
      for (const lit of t.literals)
        if (lit.trim() !== '') this.script(lit, [...via, 'spawned'], depth + 1, name);
    }
  }

  /** A script file run by a shell (`interpreter` null) or an interpreter. */
  private scriptFile(path: Arg, via: string[], depth: number, interpreter: string | null): void {
    if (path.text === null) return this.unresolved('script path only known at run time');
    const abs = resolvePath(path.text, this.cwd);
    const written = this.contents.get(abs);
    if (written !== undefined) {
      if (interpreter === null)
        this.script(written, [...via, 'written script'], depth + 1, 'a written script');
      else this.code(written, interpreter, via, depth);
    }
    if (this.isSessionFile(abs))
      this.findings.push(this.family('session-script', displayPath(abs, this.env.paths.workspace)));
    this.pathCheck(abs, false, path.glob);
  }

  private alias(args: Arg[], via: string[], depth: number): void {
    for (const a of args) {
      const t = a.text;
      if (t === null) return this.unresolved('alias value only known at run time');
      const eq = t.indexOf('=');
      if (eq <= 0) continue;
      const value = t.slice(eq + 1);
      // Why both: the alias body is checked as code now, and a later use is expanded to it.
      this.script(value, [...via, `alias ${t.slice(0, eq)}`], depth + 1, 'alias');
      this.aliases.set(
        t.slice(0, eq),
        value
          .split(/\s+/)
          .filter(Boolean)
          .map((w) => ({ text: w, pattern: w, glob: false })),
      );
    }
  }

  private git(args: Arg[], via: string[], depth: number): void {
    for (const code of gitConfigCode(args)) this.script(code, [...via, 'git -c'], depth + 1, 'git config');
    const aliased = gitAlias(args);
    if (aliased) this.runs('git', aliased, { kind: 'none' }, [...via, 'git alias'], depth + 1);
  }

  private assignment(name: string, value: Arg, via: string[], depth: number): void {
    if (CODE_VARS.has(name)) this.script(value.text, [...via, name], depth + 1, name);
    else if (
      LOADER_VARS.test(name) ||
      (name === 'NODE_OPTIONS' &&
        /(?:^|\s)(?:-r|--require|--import|--loader|--experimental-loader)\b/.test(value.text ?? '-r'))
    ) {
      this.unresolved(`${name} loads code into the next program`);
    }
  }

  private redirect(op: string, target: Arg, written: string | null): void {
    const t = target.text;
    if (t === null) {
      if (/^\/dev\/(?:tcp|udp)\//.test(target.pattern))
        this.findings.push(this.family('network-transfer', 'a /dev/tcp or /dev/udp redirection'));
      return;
    }
    if (/^\/dev\/(?:tcp|udp)\//.test(t)) {
      this.findings.push(this.family('network-transfer', 'a /dev/tcp or /dev/udp redirection'));
      return;
    }
    if (/^&?\d*-?$/.test(t) || t.startsWith('/dev/')) return;
    const abs = resolvePath(t, this.cwd);
    const write = op !== '<';
    if (write) {
      this.created.add(abs);
      if (written !== null)
        this.contents.set(abs, op === '>>' ? `${this.contents.get(abs) ?? ''}\n${written}` : written);
      else this.contents.delete(abs);
    }
    this.pathCheck(abs, write, target.glob);
  }

  private copiesAndLinks(name: string, args: Arg[]): void {
    const files = args.filter((a) => !(a.text ?? '').startsWith('-'));
    if (!['cp', 'mv', 'ln', 'install', 'tee', 'touch', 'dd'].includes(name) || files.length === 0) return;
    if (name === 'tee' || name === 'touch') {
      for (const f of files) if (f.text !== null) this.created.add(resolvePath(f.text, this.cwd));
      return;
    }
    const dest = files.at(-1)?.text;
    if (dest == null || files.length < 2) return;
    for (const src of files.slice(0, -1)) {
      if (src.text === null) continue;
      const srcName = basename(src.text);
      const destAbs = resolvePath(dest, this.cwd);
      const target =
        dest.endsWith('/') || dest === '.' || files.length > 2 ? `${destAbs}/${srcName}` : destAbs;
      this.created.add(target);
      if (this.heads.has(canonicalName(srcName))) this.copies.set(target, canonicalName(srcName));
      if (name === 'ln') this.links.set(target, resolvePath(src.text, this.cwd));
    }
  }

  private argPaths(name: string, args: Arg[]): void {
    const write = writesTo(name, args);
    for (const c of pathCandidates(name, args)) this.pathCheck(resolvePath(c.text, this.cwd), write, c.glob);
  }

  pathCheck(abs: string, write: boolean, glob: boolean): void {
    const seen = new Set<string>();
    for (
      let p: string | undefined = abs;
      p !== undefined && !seen.has(p);
      p = this.links.get(p) ?? this.env.realpath?.(p)
    ) {
      seen.add(p);
      const kind = classifyPath(this.env.paths, p, glob);
      const shown = displayPath(p, this.env.paths.workspace);
      if (kind === 'secret') {
        this.paths.add(shown);
        this.findings.push({
          decision: 'deny',
          rule: 'secret-path',
          reason: `names a secret path of this tier (${shown})`,
          paths: [shown],
        });
      } else if (kind === 'control' && write) {
        this.paths.add(shown);
        this.findings.push({
          decision: 'ask',
          rule: 'control-path',
          reason: `writes a control-plane path (${shown})`,
          paths: [shown],
        });
      }
    }
  }

  private isSessionFile(abs: string): boolean {
    return (
      this.created.has(abs) ||
      this.env.sessionCreated.has(abs) ||
      this.env.sessionCreated.has(displayPath(abs, this.env.paths.workspace))
    );
  }
}

const show = (a: Arg): string => a.text ?? a.pattern;

// Why: `c{u,}rl` is brace-expanded by Bash to `curl rl`; a name with a glob (`/usr/bin/cu?l`) is only
// known once the shell expands it.
function braceName(argv: Arg[]): Arg[] {
  const [head, ...rest] = argv;
  const t = head?.text;
  if (head === undefined || t == null) return argv;
  if (head.glob) return [{ text: null, pattern: t, glob: true }, ...rest];
  const m = /^(.*?)\{([^{}]*,[^{}]*)\}(.*)$/s.exec(t);
  if (m === null) return argv;
  const words = (m[2] ?? '').split(',').map((alt) => `${m[1] ?? ''}${alt}${m[3] ?? ''}`);
  return [...words.map((w) => ({ text: w, pattern: w, glob: false })), ...rest];
}

function allText(args: readonly Arg[]): string | null {
  return args.every((a) => a.text !== null) ? args.map((a) => a.text).join(' ') : null;
}

/** Analyses one Bash command line: every simple command in it, and what each one does. */
export function analyseBash(command: string, env: BashEnv): BashAnalysis {
  const a = new Analysis(env);
  a.script(command, [], 0, 'the command');
  return { findings: a.findings, normalised: a.normalised, paths: [...a.paths] };
}
