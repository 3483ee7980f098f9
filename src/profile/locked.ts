import type { ProfileFile } from './schema.js';
import { error, type RawIssue } from './raw-issue.js';
import { renderFound } from './issues.js';
import { schemaAt } from './schema-paths.js';
import { PROFILE_DEFAULTS } from './defaults.js';
import { canonicalJson } from '../common/canonical.js';

/** A field a tier locked, and the file that locked it. */
export interface LockOrigin {
  field: string;
  by: string;
}

/** Checks that a layer's `locked:` entries name fields of the profile format. */
export function checkLockNames(layer: ProfileFile): RawIssue[] {
  const issues: RawIssue[] = [];
  (layer.locked ?? []).forEach((field, i) => {
    if (field.startsWith('!')) return; // a removal: merge.ts refuses it
    if (field === 'name' || schemaAt(field.split('.')) === undefined)
      issues.push(
        error(['locked', i], 'is not a field a tier can lock', {
          found: renderFound(field),
          allowed: 'a dotted field path such as telemetry.logToolDetails or egress.allow',
        }),
      );
  });
  return issues;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * Why compare the merged values before and after a layer (with defaults filled in): a lock means "what
 * the tier decided stays", whatever list or switch rule the field merges by; restating the same value
 * is no change and is accepted.
 */
export function checkLocks(
  before: ProfileFile,
  after: ProfileFile,
  locks: readonly LockOrigin[],
): RawIssue[] {
  return locks.flatMap((lock) => {
    const path = lock.field.split('.');
    const was = valueAt(before, path) ?? valueAt(PROFILE_DEFAULTS, path);
    const now = valueAt(after, path) ?? valueAt(PROFILE_DEFAULTS, path);
    if (canonicalJson(was ?? null) === canonicalJson(now ?? null)) return [];
    return [
      error(path, `is locked by ${lock.by}; a profile extending it cannot change it`, {
        allowed: 'leave the field as the locking tier set it',
      }),
    ];
  });
}
