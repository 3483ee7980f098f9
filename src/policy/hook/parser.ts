import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';

/**
 * A shell syntax tree in ccbox's own shape, so nothing outside this file sees tree-sitter's types.
 * `named` is false for punctuation and keywords (`|`, `&&`, `>`, `"`, `do`), which the walker still
 * reads (a redirect's operator is one).
 */
export interface ShNode {
  type: string;
  text: string;
  named: boolean;
  /** The grammar's field name for this child (`name`, `argument`, `body`, `redirect`, ...). */
  field: string | null;
  /** tree-sitter marks what it could not parse as ERROR or MISSING; the decider treats it as unreadable. */
  error: boolean;
  children: ShNode[];
}

/** Parses Bash source synchronously; null when the parser gave up (the decider then fails closed). */
export interface ShellParser {
  parse(source: string): ShNode | null;
}

// Why a cap: a command is one line in practice; a multi-megabyte one is an attempt to make the decider slow.
const MAX_SOURCE = 256 * 1024;

/**
 * Loads tree-sitter's Bash grammar (WASM) once; parsing is then synchronous. Why tree-sitter over
 * sh-syntax (mvdan/sh in WASM): measured on this machine, p50 0.05 ms per command against 31 ms, and
 * sh-syntax's API is async per call (it starts a fresh Go runtime each time). The grammar's WASM is read
 * from the tree-sitter-bash package; its native binding is never loaded.
 */
export async function loadShellParser(): Promise<ShellParser> {
  const require = createRequire(import.meta.url);
  await initRuntime();
  const language = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    parse(source: string): ShNode | null {
      if (source.length > MAX_SOURCE) return null;
      const tree = parser.parse(joinContinuations(source));
      if (tree === null) return null;
      try {
        return convert(tree.walk());
      } finally {
        tree.delete();
      }
    },
  };
}

// Why module state (which ccbox otherwise avoids): web-tree-sitter keeps its WASM runtime in module
// state and every `Parser.init()` replaces it, so two loads at once mixed runtimes ("Incompatible
// language version 0", seen in the unit tests). The runtime is started once per process; a failed start
// is forgotten so the next load retries.
let runtime: Promise<void> | undefined;
function initRuntime(): Promise<void> {
  runtime ??= Parser.init().catch((err: unknown) => {
    runtime = undefined;
    throw err;
  });
  return runtime;
}

type Cursor = ReturnType<NonNullable<ReturnType<Parser['parse']>>['walk']>;

function convert(cursor: Cursor): ShNode {
  const node: ShNode = {
    type: cursor.nodeType,
    text: cursor.nodeText,
    named: cursor.nodeIsNamed,
    field: cursor.currentFieldName,
    error: cursor.nodeType === 'ERROR' || cursor.nodeIsMissing,
    children: [],
  };
  if (cursor.gotoFirstChild()) {
    do node.children.push(convert(cursor));
    while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }
  return node;
}

/**
 * Removes backslash-newline outside single quotes, as Bash does before it splits words: `cu\<newline>rl`
 * is `curl`. Why here: tree-sitter-bash reads the pair as a word break instead.
 */
export function joinContinuations(source: string): string {
  if (!source.includes('\\\n')) return source;
  let out = '';
  let single = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "'" && !single) single = true;
    else if (c === "'" && single) single = false;
    else if (c === '\\' && !single) {
      if (source[i + 1] === '\n') {
        i++;
        continue;
      }
      out += c + (source[i + 1] ?? '');
      i++;
      continue;
    }
    out += c;
  }
  return out;
}
