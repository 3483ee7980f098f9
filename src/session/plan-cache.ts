import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SessionPlan } from '../policy/plan.js';
import type { ProfileIssue } from '../profile/issues.js';
import type { LoadOptions } from '../profile/load.js';

export interface LoadedPlan {
  plan: SessionPlan;
  warnings: ProfileIssue[];
  /** True when the plan came from the cache (nothing was parsed or validated this time). */
  cached: boolean;
}

interface Entry {
  files: Array<{ path: string; sha256: string }>;
  plan: SessionPlan;
  warnings: ProfileIssue[];
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

function fileHash(file: string): string | null {
  try {
    return sha256(readFileSync(file));
  } catch {
    return null;
  }
}

/**
 * Loads and compiles a profile, reusing the plan compiled last time when every file of its `extends`
 * chain still has exactly the same bytes. Why this is safe: the key covers everything else the result
 * depends on (the reference, working directory, home, the day, the ccbox version), and the entry is
 * checked against a content hash of each file, never a timestamp. Why it exists: parsing and validating
 * (yaml + zod) is most of a second of start-up that an unchanged profile does not need.
 */
export async function loadPlan(
  ref: string,
  opts: LoadOptions,
  cacheDir: string,
  version: string,
): Promise<LoadedPlan> {
  const key = sha256(
    JSON.stringify({
      ref,
      cwd: opts.cwd,
      home: opts.home,
      today: opts.today,
      builtinDir: opts.builtinDir,
      version,
    }),
  );
  const file = path.join(cacheDir, 'plans', `${key}.json`);
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Entry;
    if (entry.files.length > 0 && entry.files.every((f) => fileHash(f.path) === f.sha256)) {
      return { plan: entry.plan, warnings: entry.warnings, cached: true };
    }
  } catch {
    // No entry, or an unreadable one: compile.
  }
  const [{ loadProfile }, { compile }] = await Promise.all([
    import('../profile/load.js'),
    import('../policy/compile/compile.js'),
  ]);
  const { profile, warnings } = loadProfile(ref, opts);
  const plan = compile(profile);
  const files = profile.chain
    .map((p) => path.resolve(opts.cwd, p))
    .map((p) => ({ path: p, sha256: fileHash(p) ?? '' }));
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ files, plan, warnings } satisfies Entry));
    renameSync(tmp, file);
  } catch {
    // A cache that cannot be written only costs time.
  }
  return { plan, warnings, cached: false };
}
