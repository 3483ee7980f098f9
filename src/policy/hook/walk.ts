import type { ShNode } from './parser.js';
import { decodeAnsiC, resolveWord, type Arg, type WordEnv } from './words.js';

/** A redirection as the shell applies it: `>`, `>>`, `<`, `<>`, `>&`, `&>`, ... and its target. */
export interface Redirect {
  op: string;
  target: Arg;
  /** Words tree-sitter-bash folds into a redirect that are the command's arguments (`cat 2>/dev/null .env`). */
  extra?: Arg[];
}

/** Where a command's standard input comes from, as far as the text of the command shows. */
export type Stdin =
  | { kind: 'none' }
  | { kind: 'code'; text: string }
  | { kind: 'file'; path: Arg }
  | { kind: 'dynamic'; from: string };

/** One simple command: what the shell runs, after quote removal, with how it was reached. */
export interface SimpleCommand {
  argv: Arg[];
  assigns: Array<{ name: string; value: Arg }>;
  redirects: Redirect[];
  stdin: Stdin;
  /** How the decider got here (`bash -c`, `substitution`, `heredoc | sh`...): evidence only. */
  via: string[];
}

/** Every simple command of a script, plus the parts the parser could not read. */
export interface WalkResult {
  commands: SimpleCommand[];
  unreadable: string[];
}

const NONE: Stdin = { kind: 'none' };
const SUBSTITUTIONS = new Set(['command_substitution', 'process_substitution']);
const HEREDOC_PARTS = new Set([
  'heredoc_start',
  'heredoc_body',
  'heredoc_end',
  'file_redirect',
  'herestring_redirect',
]);

/**
 * Walks a parsed script and lists every simple command in it: in pipelines, lists, subshells, groups,
 * loops, conditionals, case arms, function bodies, and inside command and process substitutions
 * wherever a word can hold them. Variables assigned with a static value earlier in the script are
 * tracked in order, so `X=curl; $X ...` resolves; anything else stays dynamic.
 */
export function walkScript(root: ShNode, home: string, vars: Map<string, string>, via: string[]): WalkResult {
  const out: WalkResult = { commands: [], unreadable: [] };
  const env: WordEnv = { home, vars };
  const w = new Walker(env, vars, out, via);
  w.visit(root, NONE, []);
  // Why a second pass: an ERROR inside a redirect or word is never visited as a statement.
  if (out.unreadable.length === 0 && hasError(root)) out.unreadable.push(root.text.slice(0, 200));
  return out;
}

function hasError(node: ShNode): boolean {
  return node.error || node.children.some(hasError);
}

class Walker {
  constructor(
    private readonly env: WordEnv,
    private readonly vars: Map<string, string>,
    private readonly out: WalkResult,
    private readonly via: string[],
  ) {}

  visit(node: ShNode, stdin: Stdin, redirects: Redirect[]): void {
    if (node.error) this.out.unreadable.push(node.text.slice(0, 200));
    switch (node.type) {
      case 'comment':
        return;
      case 'command':
        this.command(node, stdin, redirects);
        return;
      case 'pipeline':
        this.pipeline(node, stdin);
        return;
      case 'redirected_statement':
        this.redirected(node, stdin, redirects);
        return;
      case 'variable_assignment':
        this.assign(node);
        return;
      case 'unset_command':
        for (const c of node.children) if (c.named) this.vars.delete(c.text);
        return;
      default:
        if (redirects.length > 0) this.out.commands.push(this.bare(redirects, stdin));
        for (const c of node.children) if (c.named) this.visit(c, stdin, []);
    }
  }

  private bare(redirects: Redirect[], stdin: Stdin): SimpleCommand {
    return { argv: [], assigns: [], redirects, stdin, via: this.via };
  }

  private assign(node: ShNode): void {
    const name = node.children.find((c) => c.field === 'name')?.text;
    const value = node.children.find((c) => c.field === 'value');
    if (value) this.substitutions(value);
    if (name === undefined) return;
    const resolved = value ? resolveWord(value, this.env) : { text: '' };
    // Why IFS is always kept: once it changes, word splitting of every expansion changes with it.
    if (resolved.text === null && name !== 'IFS') this.vars.delete(name);
    else this.vars.set(name, resolved.text ?? '');
  }

  private command(node: ShNode, stdin: Stdin, outer: Redirect[]): void {
    const cmd: SimpleCommand = { argv: [], assigns: [], redirects: [...outer], stdin, via: this.via };
    for (const c of node.children) {
      if (!c.named) continue;
      this.substitutions(c);
      if (c.type === 'variable_assignment') {
        const name = c.children.find((x) => x.field === 'name')?.text ?? '';
        const value = c.children.find((x) => x.field === 'value');
        cmd.assigns.push({
          name,
          value: value ? resolveWord(value, this.env) : { text: '', pattern: '', glob: false },
        });
      } else if (c.type === 'command_name') {
        const word = c.children[0];
        if (word) cmd.argv.push(resolveWord(word, this.env));
      } else if (c.field === 'redirect') {
        const r = this.redirect(c);
        if (r.stdin) cmd.stdin = r.stdin;
        if (r.redirect) cmd.redirects.push(r.redirect);
      } else if (c.field === 'argument') {
        cmd.argv.push(resolveWord(c, this.env));
      }
    }
    for (const r of cmd.redirects) if (r.extra) cmd.argv.push(...r.extra);
    this.out.commands.push(cmd);
  }

  private pipeline(node: ShNode, stdin: Stdin): void {
    let input = stdin;
    for (const stage of node.children.filter((c) => c.named)) {
      const before = this.out.commands.length;
      this.visit(stage, input, []);
      input = outputOf(this.out.commands.slice(before));
    }
  }

  private redirected(node: ShNode, stdin: Stdin, outer: Redirect[]): void {
    const body = node.children.find((c) => c.field === 'body');
    const redirects = [...outer];
    let input = stdin;
    const after: ShNode[] = [];
    for (const r of node.children.filter((c) => c.field === 'redirect')) {
      const found = this.redirect(r);
      if (found.stdin) input = found.stdin;
      if (found.redirect) redirects.push(found.redirect);
      // A heredoc's `| sh` (or `&& next`) is parsed inside the heredoc redirect: it reads the body's output.
      for (const c of r.children) {
        if (r.type !== 'heredoc_redirect' || !c.named) continue;
        if (c.type === 'file_redirect') {
          const fr = this.redirect(c);
          if (fr.redirect) redirects.push(fr.redirect);
        } else if (!HEREDOC_PARTS.has(c.type)) after.push(c);
      }
    }
    const before = this.out.commands.length;
    if (body) this.visit(body, input, redirects);
    else if (redirects.length > 0) this.out.commands.push(this.bare(redirects, input));
    const output = outputOf(this.out.commands.slice(before));
    for (const c of after) {
      if (c.type === 'pipeline') {
        const stages = c.children.filter((x) => x.named);
        let pipeInput = output;
        for (const stage of stages) {
          const start = this.out.commands.length;
          this.visit(stage, pipeInput, []);
          pipeInput = outputOf(this.out.commands.slice(start));
        }
      } else this.visit(c, output, []);
    }
  }

  private redirect(node: ShNode): { stdin?: Stdin; redirect?: Redirect } {
    this.substitutions(node);
    if (node.type === 'heredoc_redirect') {
      const body = node.children.find((c) => c.type === 'heredoc_body');
      return { stdin: { kind: 'code', text: body?.text ?? '' } };
    }
    // The first destination is the target; tree-sitter-bash folds the words after it into the same
    // redirect (`cat 2>/dev/null .env`: `.env` is cat's argument; `>& /dev/tcp/h/1 0>&1` folds `0`).
    const destinations = node.children.filter((c) => c.field === 'destination');
    const target = destinations[0] ?? node.children.find((c) => c.named && c.type !== 'file_descriptor');
    if (node.type === 'herestring_redirect') {
      const value = target ? resolveWord(target, this.env) : null;
      return {
        stdin:
          value?.text != null ? { kind: 'code', text: value.text } : { kind: 'dynamic', from: 'here-string' },
      };
    }
    const op = node.children.find((c) => !c.named)?.text ?? '>';
    if (!target) return {};
    const arg = resolveWord(target, this.env);
    const extra = destinations.slice(1).map((d) => resolveWord(d, this.env));
    const redirect: Redirect = extra.length > 0 ? { op, target: arg, extra } : { op, target: arg };
    return op === '<' ? { stdin: { kind: 'file', path: arg }, redirect } : { redirect };
  }

  /** Commands inside `$(...)`, backticks and `<(...)` run too, wherever the word is. */
  private substitutions(node: ShNode): void {
    if (SUBSTITUTIONS.has(node.type)) {
      const inner = new Walker(this.env, this.vars, this.out, [...this.via, 'substitution']);
      for (const x of node.children) if (x.named) inner.visit(x, NONE, []);
      return;
    }
    for (const c of node.children) if (c.named) this.substitutions(c);
  }
}

/** What a pipeline stage writes: literal text for `echo`/`printf`/`cat <<EOF`, a file for `cat FILE`. */
export function outputOf(stage: SimpleCommand[]): Stdin {
  const last = stage.at(-1);
  if (stage.length !== 1 || !last) return { kind: 'dynamic', from: 'a compound command' };
  const [name, ...args] = last.argv;
  const base = name?.text?.split('/').pop() ?? null;
  const from = base ?? 'a dynamic command';
  if (!args.every((a) => a.text !== null)) return { kind: 'dynamic', from };
  const texts = args.map((a) => a.text ?? '');
  if (base === 'echo') return { kind: 'code', text: texts.filter((t) => !/^-[neE]+$/.test(t)).join(' ') };
  if (base === 'printf' && texts.length > 0) return { kind: 'code', text: printfText(texts) };
  if (base === 'cat') {
    const files = args.filter((a) => !(a.text ?? '').startsWith('-'));
    if (files.length === 0) return last.stdin.kind === 'none' ? { kind: 'dynamic', from } : last.stdin;
    const first = files[0];
    if (files.length === 1 && first) return { kind: 'file', path: first };
  }
  return { kind: 'dynamic', from };
}

/** What `printf FORMAT ARGS...` prints, for the usual conversions (the format repeats over the args). */
export function printfText([format = '', ...args]: readonly string[]): string {
  const fmt = decodeAnsiC(format);
  const conversions = (fmt.match(/%[-+ #0-9.]*[sbdicxXouaAeEfFgGq]/g) ?? []).length;
  if (conversions === 0) return fmt.replace(/%%/g, '%');
  let out = '';
  let i = 0;
  do {
    out += fmt.replace(/%%|%[-+ #0-9.]*([sbdicxXouaAeEfFgGq])/g, (m, conv?: string) => {
      if (m === '%%') return '%';
      const v = args[i++] ?? '';
      return conv === 'b' ? decodeAnsiC(v) : v;
    });
  } while (i < args.length);
  return out;
}
