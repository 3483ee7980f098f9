import { isAlias, isMap, isNode, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { ErrorCode } from 'yaml';

/** Walks of a parsed YAML document: where an offset is, how deep and how aliased it is. */

// Why fixed texts instead of the parser's: its messages quote the file (an alias name, a tag, an escape),
// and the file may be a secret that `extends:` or a symlink pointed at.
const YAML_MESSAGES: Record<ErrorCode, string> = {
  ALIAS_PROPS: 'an alias cannot carry a tag or an anchor',
  BAD_ALIAS: 'an alias names an anchor that is not defined before it',
  BAD_DIRECTIVE: 'a % directive is malformed or unknown',
  BAD_DQ_ESCAPE: 'a double-quoted string has an invalid escape sequence',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'an anchor or tag must come before its value',
  BAD_SCALAR_START: 'a plain value cannot start with this character; quote it',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection cannot be a key',
  BLOCK_IN_FLOW: 'a block collection cannot sit inside [ ] or { }',
  DUPLICATE_KEY: 'duplicate key: YAML keys must be unique (the second one would silently win)',
  IMPOSSIBLE: 'the document cannot be parsed',
  KEY_OVER_1024_CHARS: 'a key is longer than 1024 characters',
  MISSING_CHAR: 'a closing quote or bracket, or the `: ` after a key, is missing',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line',
  MULTIPLE_ANCHORS: 'a value has more than one anchor',
  MULTIPLE_DOCS: 'the file holds more than one YAML document (---); a profile is one document',
  MULTIPLE_TAGS: 'a value has more than one tag',
  NON_STRING_KEY: 'a key is not a string',
  RESOURCE_EXHAUSTION: 'nested too deeply',
  TAB_AS_INDENT: 'a tab indents a line; YAML indents with spaces',
  TAG_RESOLVE_FAILED: 'a tag (!something) is not one profiles use; remove it',
  UNEXPECTED_TOKEN: 'unexpected text',
  BAD_COLLECTION_TYPE: 'a collection has the wrong kind for its tag',
};

/** One YAML problem as a fixed sentence, never quoting the source. */
export function yamlMessage(code: ErrorCode): string {
  return YAML_MESSAGES[code] ?? 'the document cannot be parsed';
}

/** The key a map pair is known by in a field path: its scalar value, or a marker for complex keys. */
function keyName(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return '(complex key)';
}

/**
 * Field path of the innermost node holding `offset`; the key itself when the offset is on a key (so
 * a duplicate key is named). Depth-bounded so a hostile nesting cannot overflow the stack.
 */
export function pathAtOffset(doc: Document, offset: number, maxDepth: number): PropertyKey[] {
  const path: PropertyKey[] = [];
  let node: unknown = doc.contents;
  for (
    let depth = 0;
    depth <= maxDepth && (isMap(node) || isSeq(node)) && inRange(node, offset);
    depth += 1
  ) {
    let next: unknown;
    if (isMap(node)) {
      // The last pair that starts at or before the offset holds it (a tag or anchor sits before its value).
      const pair = node.items.filter((p) => isNode(p.key) && start(p.key) <= offset).at(-1);
      if (pair === undefined) return path;
      path.push(keyName(pair.key));
      if (isNode(pair.value) && inRange(pair.value, offset)) next = pair.value;
    } else {
      const index = node.items.findLastIndex((item) => isNode(item) && start(item) <= offset);
      if (index === -1) return path;
      path.push(index);
      next = node.items[index];
    }
    if (next === undefined) return path;
    node = next;
  }
  return path;
}

const start = (node: Node): number => node.range?.[0] ?? Number.POSITIVE_INFINITY;

function inRange(node: Node, offset: number): boolean {
  const range = node.range;
  return (
    range !== undefined && range !== null && offset >= range[0] && offset < Math.max(range[2], range[0] + 1)
  );
}

/** Nesting depth (capped at `cap + 1`) and alias count of a document. */
export function measure(
  doc: Document,
  cap: number,
): { depth: number; aliases: number; deepest?: PropertyKey[] } {
  let aliases = 0;
  let depth = 0;
  let deepest: PropertyKey[] | undefined;
  const walk = (node: unknown, level: number, path: PropertyKey[]): void => {
    if (isAlias(node)) {
      aliases += 1;
      return;
    }
    if (!isMap(node) && !isSeq(node)) return;
    if (level > depth) depth = level;
    if (level > cap) {
      deepest ??= path;
      return;
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isAlias(pair.key)) aliases += 1;
        walk(pair.value, level + 1, [...path, keyName(pair.key)]);
      }
    } else node.items.forEach((item, i) => walk(item, level + 1, [...path, i]));
  };
  walk(doc.contents, 1, []);
  return { depth, aliases, ...(deepest ? { deepest } : {}) };
}

/** 1-based line of the node at `path`, or of its nearest located ancestor. */
export function findLine(doc: Document, lc: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    if (n === 0) break;
  }
  return undefined;
}
