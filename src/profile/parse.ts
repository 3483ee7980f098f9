import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { ProfileFileSchema, type ProfileFile } from './schema.js';
import { renderFound, type ProfileIssue, formatPath } from './issues.js';
import type { RawIssue } from './raw-issue.js';

/** A parsed profile file, kept with its YAML document so later issues can be given line numbers. */
export interface ParsedLayer {
  file: string;
  data: ProfileFile | null;
  issues: ProfileIssue[];
  locate: (issue: RawIssue) => ProfileIssue;
  /**
   * When the schema refused the file: what is left once the refused keys are dropped, if that passes.
   * Why: the safety checks still run on it, so one pass names every problem of the file.
   */
  partial?: ProfileFile;
}

/** Parses and schema-checks one YAML profile. Never throws: every problem becomes an issue. */
export function parseProfileText(text: string, file: string): ParsedLayer {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const lineOf = (path: readonly PropertyKey[]): number | undefined => findLine(doc, lineCounter, path);
  const locate = (issue: RawIssue): ProfileIssue => {
    const line = lineOf(issue.path);
    return {
      severity: issue.severity,
      file,
      ...(line !== undefined ? { line } : {}),
      path: formatPath(issue.path),
      message: issue.message,
      ...(issue.found !== undefined ? { found: issue.found } : {}),
      ...(issue.allowed !== undefined ? { allowed: issue.allowed } : {}),
    };
  };
  if (doc.errors.length > 0) {
    return {
      file,
      data: null,
      locate,
      issues: doc.errors.map((e) => ({
        severity: 'error',
        file,
        line: e.linePos?.[0]?.line,
        path: '',
        message: `YAML: ${(e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    };
  }
  const raw: unknown = doc.toJS();
  const result = ProfileFileSchema.safeParse(raw, { reportInput: true });
  if (result.success) return { file, data: result.data, issues: [], locate };
  const partial = withoutRefused(raw, result.error.issues);
  return {
    file,
    data: null,
    locate,
    issues: result.error.issues.flatMap((i) => zodIssue(i).map(locate)),
    ...(partial ? { partial } : {}),
  };
}

/** The document without the keys the schema refused, if it then passes; never used to run anything. */
function withoutRefused(raw: unknown, issues: readonly ZodIssue[]): ProfileFile | undefined {
  const copy = structuredClone(raw);
  for (const issue of issues) {
    const paths =
      issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of paths) if (!dropKey(copy, path)) return undefined;
  }
  const again = ProfileFileSchema.safeParse(copy);
  return again.success ? again.data : undefined;
}

/** Deletes one object key. Why not array elements: the indices of the rest must stay as written. */
function dropKey(root: unknown, path: readonly PropertyKey[]): boolean {
  const last = path.at(-1);
  let node = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  if (typeof last !== 'string' || typeof node !== 'object' || node === null || Array.isArray(node))
    return false;
  return delete (node as Record<string, unknown>)[last];
}

type ZodIssue = z.core.$ZodIssue;

function zodIssue(issue: ZodIssue): RawIssue[] {
  const path = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        severity: 'error' as const,
        path: [...path, key],
        message: 'unknown key',
        found: renderFound(key),
        allowed: allowedKeys(path),
      }));
    case 'invalid_type':
      return [
        {
          severity: 'error',
          path,
          message: `wrong type: expected ${issue.expected}`,
          found: renderFound(issue.input),
          allowed: issue.expected,
        },
      ];
    case 'invalid_value':
      return [
        {
          severity: 'error',
          path,
          message: 'value not allowed',
          found: renderFound(issue.input),
          allowed: issue.values.map((v) => String(v)).join(' | '),
        },
      ];
    case 'invalid_union':
      return [
        {
          severity: 'error',
          path,
          message: 'matches none of the allowed shapes',
          found: renderFound(issue.input),
          allowed: 'see `ccbox profiles schema`',
        },
      ];
    default:
      return [{ severity: 'error', path, message: issue.message, found: renderFound(issue.input) }];
  }
}

/** Lists the keys a strict object accepts, for "unknown key" messages. */
function allowedKeys(path: readonly PropertyKey[]): string {
  let schema: z.ZodType = ProfileFileSchema;
  for (const key of path) {
    const def = unwrap(schema);
    const shape = (def as { shape?: Record<string, z.ZodType> }).shape;
    if (shape && typeof key === 'string' && shape[key]) schema = shape[key];
    else return 'see `ccbox profiles schema`';
  }
  const shape = (unwrap(schema) as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape).join(', ') : 'see `ccbox profiles schema`';
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as z.ZodType & { unwrap?: () => z.ZodType };
  while (typeof s.unwrap === 'function') s = s.unwrap();
  return s;
}

function findLine(doc: Document, lc: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    if (n === 0) break;
  }
  return undefined;
}
