import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { expandHome } from '../common/credential-stores.js';
import type { ProfileFile } from './schema.js';

/** Where profiles come from and what "today" and "~" mean; passed in so loading stays testable. */
export interface LoadOptions {
  builtinDir: string;
  cwd: string;
  home: string;
  /** YYYY-MM-DD (UTC): decides which exceptions have expired. */
  today: string;
  /**
   * Files the user named on the command line (absolute). Why: `extends:` may reach outside the
   * profile's own directory and the built-ins only to a file the user vouched for by naming it.
   */
  namedFiles?: readonly string[];
}

/** Names of the built-in tiers, sorted. */
export function listBuiltinProfiles(builtinDir: string): string[] {
  return readdirSync(builtinDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** A profile is named by a built-in name or a file path everywhere a profile is accepted. */
export function resolveProfileRef(ref: string, baseDir: string, opts: LoadOptions): string {
  const looksLikePath = ref.includes('/') || ref.endsWith('.yaml') || ref.endsWith('.yml');
  if (looksLikePath) return path.resolve(baseDir, expandHome(ref, opts.home));
  const builtin = path.join(opts.builtinDir, `${ref}.yaml`);
  if (/^[a-z0-9][a-z0-9-]*$/.test(ref) && existsSync(builtin)) return builtin;
  const local = path.resolve(baseDir, ref);
  if (existsSync(local)) return local;
  throw new CcboxError(`unknown profile ${JSON.stringify(ref)}`, {
    code: 'PROFILE_NOT_FOUND',
    exitCode: ExitCodes.invalidInput,
    hint: `use a built-in name (${listBuiltinProfiles(opts.builtinDir).join(', ')}) or a path to a .yaml file`,
  });
}

/** The files a list of command-line references names (unknown ones are left to the loader to report). */
export function namedFiles(refs: readonly string[], opts: LoadOptions): string[] {
  return refs.flatMap((ref) => {
    try {
      return [resolveProfileRef(ref, opts.cwd, opts)];
    } catch {
      return [];
    }
  });
}

/** Path as shown to the user: relative to cwd when below it. */
export function display(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** Makes a layer's file paths absolute against the file that wrote them. */
export function anchorPaths(data: ProfileFile, file: string, home: string): ProfileFile {
  const dir = path.dirname(file);
  const anchor = (p: string): string => path.resolve(dir, expandHome(p, home));
  return {
    ...data,
    ...(data.tls?.extraCaCerts !== undefined
      ? { tls: { ...data.tls, extraCaCerts: anchor(data.tls.extraCaCerts) } }
      : {}),
    ...(data.mounts ? { mounts: data.mounts.map((m) => ({ ...m, source: anchor(m.source) })) } : {}),
  };
}
