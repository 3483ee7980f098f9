import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { expandHome } from '../policy/credential-stores.js';
import type { ProfileFile } from './schema.js';
import type { ResolvedException, ResolvedProfile } from './types.js';
import { formatIssue, type ProfileIssue } from './issues.js';
import { parseProfileText, type ParsedLayer } from './parse.js';
import { mergeLayer } from './merge.js';
import { checkLayerSafety } from './safety.js';
import { applyDefaults, checkExceptions, checkResolved, isExceptionActive } from './finalize.js';

/** Where profiles come from and what "today" and "~" mean; passed in so loading stays testable. */
export interface LoadOptions {
  builtinDir: string;
  cwd: string;
  home: string;
  /** YYYY-MM-DD (UTC): decides which exceptions have expired. */
  today: string;
}

export interface ValidationResult {
  /** Present when there are no errors. */
  profile?: ResolvedProfile;
  /** Errors and warnings, in file order. */
  issues: ProfileIssue[];
}

const MAX_DEPTH = 16;

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

/** Path as shown to the user: relative to cwd when below it. */
function display(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** Makes a layer's file paths absolute against the file that wrote them. */
function anchorPaths(data: ProfileFile, file: string, home: string): ProfileFile {
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

/** Reads the chain leaf → root. Stops at the first layer that fails to parse. */
function readChain(
  leafFile: string,
  opts: LoadOptions,
): { layers: ParsedLayer[]; files: string[]; issues: ProfileIssue[] } {
  const layers: ParsedLayer[] = [];
  const files: string[] = [];
  const seen = new Set<string>();
  let file: string | undefined = leafFile;
  let child: ParsedLayer | undefined;
  while (file !== undefined) {
    const shown = display(file, opts.cwd);
    if (seen.has(file) || layers.length >= MAX_DEPTH) {
      const issue = {
        severity: 'error' as const,
        path: ['extends'],
        message: seen.has(file)
          ? `extends forms a cycle through ${shown}`
          : `extends chain deeper than ${MAX_DEPTH}`,
      };
      return {
        layers,
        files,
        issues: [child ? child.locate(issue) : { ...issue, file: shown, path: 'extends' }],
      };
    }
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      const message = `cannot read profile: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`;
      return {
        layers,
        files,
        issues: [
          child
            ? child.locate({ severity: 'error', path: ['extends'], message, found: shown })
            : { severity: 'error', file: shown, path: '', message },
        ],
      };
    }
    const layer = parseProfileText(text, shown);
    if (!layer.data) {
      // The safety checks still speak about what the schema accepted, so one run lists every problem.
      const unsafe = layer.partial
        ? checkLayerSafety(anchorPaths(layer.partial, file, opts.home), opts.home).map(layer.locate)
        : [];
      return { layers, files, issues: [...layer.issues, ...unsafe] };
    }
    layers.push(layer);
    files.push(file);
    child = layer;
    const parentRef = layer.data.extends;
    if (parentRef === undefined) file = undefined;
    else {
      try {
        file = resolveProfileRef(parentRef, path.dirname(file), opts);
      } catch (cause) {
        const message = cause instanceof CcboxError ? `${cause.message}; ${cause.hint ?? ''}` : String(cause);
        return {
          layers,
          files,
          issues: [
            layer.locate({ severity: 'error', path: ['extends'], message, found: JSON.stringify(parentRef) }),
          ],
        };
      }
    }
  }
  return { layers, files, issues: [] };
}

/** Parses, merges and checks a profile; never throws for profile problems (they are issues). */
export function validateProfile(ref: string, opts: LoadOptions): ValidationResult {
  const leafFile = resolveProfileRef(ref, opts.cwd, opts);
  const { layers, files, issues } = readChain(leafFile, opts);
  if (issues.length > 0) return { issues };
  const ordered = layers.map((layer, i) => ({ layer, file: files[i] as string })).reverse();
  const all: ProfileIssue[] = [];
  let acc: ProfileFile | undefined;
  const exceptions: ResolvedException[] = [];
  for (const { layer, file } of ordered) {
    const anchored = anchorPaths(layer.data as ProfileFile, file, opts.home);
    all.push(...checkLayerSafety(anchored, opts.home).map(layer.locate));
    const { merged, issues: mergeIssues } = mergeLayer(acc, anchored);
    all.push(...mergeIssues.map(layer.locate));
    for (const exc of anchored.exceptions ?? [])
      exceptions.push({ ...exc, file: layer.file, active: isExceptionActive(exc.expires, opts.today) });
    acc = merged;
  }
  const leaf = layers[0] as ParsedLayer;
  const profile = applyDefaults(
    acc as ProfileFile,
    ordered.map((l) => l.layer.file),
    exceptions,
  );
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
