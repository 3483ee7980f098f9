import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ProfileFileSchema, type ProfileFile } from './schema.js';
import { kindOf, plausibleKey, renderFound, type ProfileIssue, formatPath } from './issues.js';
import type { RawIssue } from './raw-issue.js';
import { PROFILE_LIMITS } from './read-file.js';
import { USERINFO_MESSAGE } from './schema-url.js';
import { allowedKeys } from './schema-paths.js';
import { findLine, measure, pathAtOffset, yamlMessage } from './yaml-tree.js';

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
  /**
   * Whether the file is recognisably a profile (a mapping of profile keys with a valid name). When it is
   * not, no issue quotes a value from it: it may be a `.env` or a key file that a symlink or `extends:`
   * pointed at, and CI logs are read by many.
   */
  shaped: boolean;
}

const MAX_YAML_ISSUES = 5;
const NAME = /^[a-z0-9][a-z0-9-]*$/;
const PROFILE_KEYS = new Set(Object.keys(ProfileFileSchema.shape));

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A mapping whose every key is a profile key and whose name is valid: only then are values quoted. */
function isProfileShaped(raw: Record<string, unknown>): boolean {
  return (
    typeof raw.name === 'string' && NAME.test(raw.name) && Object.keys(raw).every((k) => PROFILE_KEYS.has(k))
  );
}

/** Parses and schema-checks one YAML profile. Never throws: every problem becomes an issue. */
export function parseProfileText(text: string, file: string): ParsedLayer {
  const lineCounter = new LineCounter();
  let shaped = false;
  let doc: Document | undefined;
  const locate = (issue: RawIssue): ProfileIssue => {
    const line = doc ? findLine(doc, lineCounter, issue.path) : undefined;
    return {
      severity: issue.severity,
      file,
      ...(line !== undefined ? { line } : {}),
      path: formatPath(issue.path),
      message: issue.message,
      ...(issue.found !== undefined && shaped ? { found: issue.found } : {}),
      ...(issue.allowed !== undefined ? { allowed: issue.allowed } : {}),
    };
  };
  const failed = (issues: ProfileIssue[]): ParsedLayer => ({ file, data: null, issues, locate, shaped });
  const at = (path: readonly PropertyKey[], message: string, line?: number): ProfileIssue => {
    const located = locate({ severity: 'error', path, message });
    return line !== undefined ? { ...located, line } : located;
  };
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  } catch {
    return failed([at([], 'YAML: the document cannot be parsed')]);
  }
  const parsed = doc;
  const problems = [...parsed.errors, ...parsed.warnings];
  if (problems.length > 0) {
    const issues = problems.slice(0, MAX_YAML_ISSUES).map((e) => {
      const path = pathAtOffset(parsed, e.pos[0], PROFILE_LIMITS.maxDepth);
      return at(path, `YAML: ${yamlMessage(e.code)}`, lineCounter.linePos(e.pos[0]).line);
    });
    const more = problems.length - MAX_YAML_ISSUES;
    if (more > 0) issues.push(at([], `YAML: ${more} more problem${more === 1 ? '' : 's'} not listed`));
    return failed(issues);
  }
  const { depth, aliases, deepest } = measure(parsed, PROFILE_LIMITS.maxDepth);
  if (depth > PROFILE_LIMITS.maxDepth)
    return failed([at(deepest ?? [], `YAML: nested deeper than ${PROFILE_LIMITS.maxDepth} levels`)]);
  if (aliases > PROFILE_LIMITS.maxAliases)
    return failed([
      at([], `YAML: ${aliases} aliases (*name); a profile may use at most ${PROFILE_LIMITS.maxAliases}`),
    ]);
  let raw: unknown;
  try {
    raw = parsed.toJS({ maxAliasCount: PROFILE_LIMITS.maxAliases });
  } catch (cause) {
    // Why no message from the library: it names the alias, which is text of the file.
    const bomb = cause instanceof Error && /excessive alias/i.test(cause.message);
    return failed([
      at(
        [],
        bomb
          ? `YAML: aliases expand to more than ${PROFILE_LIMITS.maxAliases} copies (an alias bomb)`
          : `YAML: ${yamlMessage('BAD_ALIAS')}`,
      ),
    ]);
  }
  if (!isRecord(raw)) {
    return failed([
      at(
        [],
        `not a ccbox profile: the top level is ${kindOf(raw)}, not a mapping of profile keys (name:, permissions:, egress:, ...)`,
      ),
    ]);
  }
  shaped = isProfileShaped(raw);
  const result = ProfileFileSchema.safeParse(raw, { reportInput: true });
  if (result.success) return { file, data: result.data, issues: [], locate, shaped };
  const partial = withoutRefused(raw, result.error.issues);
  return {
    ...failed(result.error.issues.flatMap((i) => zodIssue(i).map(locate))),
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
        ...(plausibleKey(key) ? { found: renderFound(key) } : {}),
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
      // Why no `found` for a URL with credentials: the password is the part that must not be printed.
      if (issue.message === USERINFO_MESSAGE) return [{ severity: 'error', path, message: issue.message }];
      return [{ severity: 'error', path, message: issue.message, found: renderFound(issue.input) }];
  }
}
