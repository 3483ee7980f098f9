import picomatch from 'picomatch';
import type { ContainerPlan } from '../policy/plan.js';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { git } from './git.js';
import { cleanPattern, isGlob } from './paths.js';

const SHOWN = 10;

/** Tracked files that match the tier's secret patterns (a literal directory pattern covers what is below it). */
export function matchSecrets(files: readonly string[], patterns: readonly string[]): string[] {
  const globs = patterns.flatMap((p) => {
    const clean = cleanPattern(p);
    return isGlob(clean) ? [clean] : [clean, `${clean}/**`];
  });
  if (globs.length === 0) return [];
  const match = picomatch(globs, { dot: true });
  return files.filter((f) => match(f));
}

/**
 * A mask hides the working file, but a secret git tracks is in the objects the agent can read
 * (`git show HEAD:.env`). Why before anything starts: the tier decides whether such a repository may
 * run at all (refuse) or only with a warning; an active exception with that `path` allows one path.
 * Returns the warnings to show; throws exit 2 when the tier refuses.
 */
export async function checkTrackedSecrets(
  root: string,
  plan: Pick<ContainerPlan, 'maskedPaths' | 'trackedSecrets'>,
  signal?: AbortSignal,
): Promise<string[]> {
  if (plan.maskedPaths.length === 0) return [];
  const r = await git(['ls-files', '-z', '--cached'], root, { signal, trustedRepo: root });
  if (r.code !== 0)
    throw new CcboxError(`git could not list the tracked files of ${root}: ${r.stderr.trim()}`, {
      code: 'WORKTREE_GIT',
      exitCode: ExitCodes.invalidInput,
      hint: 'check that `git status` works in the repository',
    });
  const allowed = new Set(plan.trackedSecrets.allowed);
  const found = matchSecrets(r.stdout.split('\0').filter(Boolean), plan.maskedPaths);
  const blocking = found.filter((f) => !allowed.has(f));
  const excepted = found.filter((f) => allowed.has(f));
  const list = (xs: string[]): string =>
    `${xs.slice(0, SHOWN).join(', ')}${xs.length > SHOWN ? ` and ${xs.length - SHOWN} more` : ''}`;
  const warnings =
    excepted.length > 0 ? [`git tracks the secret path ${list(excepted)}; allowed by an exception`] : [];
  if (blocking.length === 0) return warnings;
  const fix =
    'remove it from the history (git rm --cached, then git filter-repo --invert-paths --path <file>) and rotate the secret';
  if (plan.trackedSecrets.policy === 'refuse')
    throw new CcboxError(
      `refusing to start: git tracks the secret path ${list(blocking)}, so its content is in the history the agent can read even though the file is masked`,
      {
        code: 'TRACKED_SECRET',
        exitCode: ExitCodes.invalidInput,
        hint: `${fix}; or add an exception with path, owner, reason and expires to the profile`,
        details: blocking.map((f) => `tracked secret: ${f}`),
      },
    );
  return [
    ...warnings,
    `git tracks the secret path ${list(blocking)}: the file is masked, but its content is in the history the agent can read; ${fix}`,
  ];
}
