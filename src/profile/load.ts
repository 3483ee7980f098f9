import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import type { ProfileFile } from './schema.js';
import type { ResolvedException, ResolvedProfile } from './types.js';
import { formatIssue, type ProfileIssue } from './issues.js';
import type { ParsedLayer } from './parse.js';
import { mergeLayer } from './merge.js';
import { readChain } from './chain.js';
import { anchorPaths, resolveProfileRef, type LoadOptions } from './refs.js';
import { checkLayerSafety } from './safety.js';
import {
  applyDefaults,
  checkExceptions,
  checkLifetime,
  checkResolved,
  isExceptionActive,
} from './finalize.js';
import { checkLockNames, checkLocks, type LockOrigin } from './locked.js';
import { checkNoEffect } from './no-effect.js';

export type { LoadOptions } from './refs.js';
export { display, listBuiltinProfiles, namedFiles, resolveProfileRef } from './refs.js';

export interface ValidationResult {
  /** Present when there are no errors. */
  profile?: ResolvedProfile;
  /** Errors and warnings, in file order. */
  issues: ProfileIssue[];
}

/** Parses, merges and checks a profile; never throws for profile problems (they are issues). */
export function validateProfile(ref: string, opts: LoadOptions): ValidationResult {
  const leafFile = resolveProfileRef(ref, opts.cwd, opts);
  const { links, issues } = readChain(leafFile, opts);
  if (issues.length > 0) return { issues };
  const ordered = links.map(({ layer, real, named }) => ({ layer, file: real, named })).reverse();
  const all: ProfileIssue[] = [];
  let acc: ProfileFile | undefined;
  const exceptions: ResolvedException[] = [];
  const locks: LockOrigin[] = [];
  for (const { layer, file } of ordered) {
    const anchored = anchorPaths(layer.data as ProfileFile, file, opts.home);
    all.push(...checkLayerSafety(anchored, opts.home).map(layer.locate));
    all.push(...checkLockNames(anchored).map(layer.locate));
    const { merged, issues: mergeIssues } = mergeLayer(acc, anchored);
    all.push(...mergeIssues.map(layer.locate));
    if (acc !== undefined) all.push(...checkLocks(acc, merged, locks).map(layer.locate));
    all.push(...checkNoEffect(acc, anchored, merged).map(layer.locate));
    for (const field of anchored.locked ?? [])
      if (!locks.some((l) => l.field === field)) locks.push({ field, by: layer.file });
    for (const exc of anchored.exceptions ?? [])
      exceptions.push({ ...exc, file: layer.file, active: isExceptionActive(exc.expires, opts.today) });
    acc = merged;
  }
  const leaf = links[0]?.layer as ParsedLayer;
  const profile = applyDefaults(
    acc as ProfileFile,
    ordered.map((l) => l.named),
    exceptions,
    locks,
  );
  // Each exception is checked where it is written, against the lifetime the whole chain allows.
  for (const { layer } of ordered)
    (layer.data?.exceptions ?? []).forEach((exc, i) => {
      const issue = checkLifetime(exc.expires, opts.today, profile.maxExceptionDays);
      if (issue) all.push(layer.locate({ ...issue, path: ['exceptions', i, ...issue.path] }));
    });
  all.push(...checkResolved(profile).map(leaf.locate));
  all.push(...checkExceptions(profile, opts.today).map(leaf.locate));
  const hasError = all.some((i) => i.severity === 'error');
  return hasError ? { issues: all } : { profile, issues: all };
}

/** Loads a profile or throws a CcboxError (exit 2) whose details are one line per problem. */
export function loadProfile(
  ref: string,
  opts: LoadOptions,
): { profile: ResolvedProfile; warnings: ProfileIssue[] } {
  const result = validateProfile(ref, opts);
  if (!result.profile) {
    const errors = result.issues.filter((i) => i.severity === 'error');
    throw new CcboxError(
      `invalid profile ${ref}: ${errors.length} problem${errors.length === 1 ? '' : 's'}`,
      {
        code: 'PROFILE_INVALID',
        exitCode: ExitCodes.invalidInput,
        hint: 'fix the fields named above; `ccbox profiles schema` prints the full format',
        details: result.issues.map(formatIssue),
      },
    );
  }
  return { profile: result.profile, warnings: result.issues };
}
