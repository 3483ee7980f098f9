import type { Finding } from './bash.js';
import { canonicalName } from './families.js';
import { classifyPath, displayPath, resolvePath, type PathRules } from './paths.js';
import { basename } from './unwrap.js';
import type { Arg } from './words.js';

/** What the file bookkeeping needs from the analysis environment. */
export interface FilesEnv {
  paths: PathRules;
  sessionCreated: ReadonlySet<string>;
  realpath?: ((abs: string) => string | undefined) | undefined;
}

/**
 * What one command line does to files, in order: what it writes (and, where the text shows it, with
 * what), which known programs it copies or links under another name, and which symlinks it makes.
 * Why: `cp /usr/bin/curl ./c; ./c`, `printf 'curl x' > t.sh; sh t.sh` and `ln -s .env x; cat x`
 * are each one command line the gate sees before any of it runs.
 */
export class CommandFiles {
  private readonly copies = new Map<string, string>();
  private readonly created = new Set<string>();
  private readonly contents = new Map<string, string>();
  private readonly links = new Map<string, string>();

  constructor(
    private readonly env: FilesEnv,
    /** Program names whose copies keep their family (every family head, shells, interpreters). */
    private readonly heads: ReadonlySet<string>,
  ) {}

  /** The program a path is a copy or link of, if this command line made it. */
  copied(abs: string): string | undefined {
    return this.copies.get(abs);
  }

  /** The text this command line wrote into a path, if it shows it. */
  written(abs: string): string | undefined {
    return this.contents.get(abs);
  }

  /** Written by this command line, or by the session before it (DecideContext.sessionCreated). */
  isSessionFile(abs: string): boolean {
    return (
      this.created.has(abs) ||
      this.env.sessionCreated.has(abs) ||
      this.env.sessionCreated.has(displayPath(abs, this.env.paths.workspace))
    );
  }

  /** A redirection writes a path; `text` is what it writes when the command's output is literal. */
  recordWrite(abs: string, append: boolean, text: string | null): void {
    this.created.add(abs);
    if (text === null) this.contents.delete(abs);
    else this.contents.set(abs, append ? `${this.contents.get(abs) ?? ''}\n${text}` : text);
  }

  /** cp/mv/ln/install/tee/touch: the paths they create, and known programs they copy. */
  recordCopies(name: string, args: readonly Arg[], cwd: string): void {
    const files = args.filter((a) => !(a.text ?? '').startsWith('-'));
    if (!['cp', 'mv', 'ln', 'install', 'tee', 'touch'].includes(name) || files.length === 0) return;
    if (name === 'tee' || name === 'touch') {
      for (const f of files) if (f.text !== null) this.created.add(resolvePath(f.text, cwd));
      return;
    }
    const dest = files.at(-1)?.text;
    if (dest == null || files.length < 2) return;
    const destAbs = resolvePath(dest, cwd);
    for (const src of files.slice(0, -1)) {
      if (src.text === null) continue;
      const srcName = basename(src.text);
      const target =
        dest.endsWith('/') || dest === '.' || files.length > 2 ? `${destAbs}/${srcName}` : destAbs;
      this.created.add(target);
      this.contents.delete(target);
      if (this.heads.has(canonicalName(srcName))) this.copies.set(target, canonicalName(srcName));
      if (name === 'ln') this.links.set(target, resolvePath(src.text, cwd));
    }
  }

  /** Secret paths (denied) and control-plane writes (asked), following symlinks this line made or the caller sees. */
  check(abs: string, write: boolean, glob: boolean): Finding[] {
    const out: Finding[] = [];
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
        out.push({
          decision: 'deny',
          rule: 'secret-path',
          reason: `names a secret path of this tier (${shown})`,
          paths: [shown],
        });
      } else if (kind === 'control' && write) {
        out.push({
          decision: 'ask',
          rule: 'control-path',
          reason: `writes a control-plane path (${shown})`,
          paths: [shown],
        });
      }
    }
    return out;
  }
}
