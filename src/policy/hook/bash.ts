import type { ShellParser } from './parser.js';
import type { HookVerdict } from './types.js';
import { outputOf, walkScript, type SimpleCommand, type Stdin } from './walk.js';
import { unwrap } from './unwrap.js';
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
import { displayPath, resolvePath, type PathRules } from './paths.js';
import { CommandFiles } from './files.js';
import { CODE_VARS, commandEffects, LOADER_VARS, pathCandidates, writesTo } from './effects.js';
import { gitConfigCode, gitAlias } from './git.js';
import { allText, braceName, type Arg } from './words.js';

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

class Analysis {
  readonly findings: Finding[] = [];
  readonly normalised: string[] = [];
  readonly paths = new Set<string>();
  private readonly vars = new Map<string, string>();
  private readonly aliases = new Map<string, Arg[]>();
  private readonly files: CommandFiles;
  private cwd: string;

  constructor(private readonly env: BashEnv) {
    this.cwd = env.cwd;
    this.vars.set('PWD', env.cwd);
    const heads = familyHeads(env.families);
    for (const s of [...SHELLS, 'python', 'python3', 'node', 'perl', 'ruby', 'php', 'env', 'busybox'])
      heads.add(s);
    this.files = new CommandFiles(env, heads);
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
      const copied = this.files.copied(abs);
      if (copied) name = copied;
      else if (this.files.isSessionFile(abs))
        this.findings.push(this.family('session-script', displayPath(abs, this.env.paths.workspace)));
    }
    this.normalised.push([name, ...u.args.map(show)].join(' '));
    if (u.lookupOnly) return;
    // `xargs sh -c '{}'`: the script text comes from stdin at run time.
    if (u.stdinArgs && (SHELLS.has(name) || name === 'eval'))
      this.unresolved(`xargs feeds stdin into ${name}`);
    this.runs(name, u.args, cmd.stdin, [...cmd.via, name], depth);
  }

  private runs(name: string, args: Arg[], stdin: Stdin, via: string[], depth: number): void {
    if (SHELLS.has(name)) return this.program(shellProgram(args, stdin), name, via, depth, true);
    if (name === 'eval') return this.script(allText(args), via, depth + 1, 'eval');
    if (name === 'source' || name === '.') return args[0] && this.scriptFile(args[0], via, depth, null);
    if (name === 'alias') return this.alias(args, via, depth);
    if (name === 'cd') {
      this.cwd = args[0]?.text != null ? resolvePath(args[0].text, this.cwd) : this.env.home;
      this.vars.set('PWD', this.cwd);
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
    this.files.recordCopies(name, args, this.cwd);
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
    const written = this.files.written(abs);
    if (written !== undefined) {
      if (interpreter === null)
        this.script(written, [...via, 'written script'], depth + 1, 'a written script');
      else this.code(written, interpreter, via, depth);
    }
    if (this.files.isSessionFile(abs))
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
    if (write) this.files.recordWrite(abs, op === '>>', written);
    this.pathCheck(abs, write, target.glob);
  }

  private argPaths(name: string, args: Arg[]): void {
    const write = writesTo(name, args);
    for (const c of pathCandidates(name, args)) this.pathCheck(resolvePath(c.text, this.cwd), write, c.glob);
  }

  private pathCheck(abs: string, write: boolean, glob: boolean): void {
    for (const f of this.files.check(abs, write, glob)) {
      for (const p of f.paths ?? []) this.paths.add(p);
      this.findings.push(f);
    }
  }
}

const show = (a: Arg): string => a.text ?? a.pattern;

/** Analyses one Bash command line: every simple command in it, and what each one does. */
export function analyseBash(command: string, env: BashEnv): BashAnalysis {
  const a = new Analysis(env);
  a.script(command, [], 0, 'the command');
  return { findings: a.findings, normalised: a.normalised, paths: [...a.paths] };
}
