import type { BashFamilyT } from './schema.js';
import { error, warning, type RawIssue } from './raw-issue.js';
import { renderFound } from './issues.js';

/** The list and switch merge operations `extends` is built from (rules in merge.ts). */
export type Path = readonly PropertyKey[];

const REMOVE = '!';

/** Accumulating list: union; a `!` removal is refused. */
export function accumulate(
  parent: readonly string[] | undefined,
  child: readonly string[] | undefined,
  path: Path,
  what: string,
  issues: RawIssue[],
): string[] | undefined {
  if (child === undefined) return parent ? [...parent] : undefined;
  const out = [...(parent ?? [])];
  child.forEach((entry, i) => {
    if (entry.startsWith(REMOVE)) {
      issues.push(
        error(
          [...path, i],
          `${what} only accumulate along extends: a child cannot remove ${JSON.stringify(entry.slice(1))}`,
          {
            found: renderFound(entry),
            allowed: 'add entries only; relax a rule with an exceptions: entry (owner, reason, expires)',
          },
        ),
      );
      return;
    }
    if (out.includes(entry)) issues.push(duplicate(path, i, entry));
    else out.push(entry);
  });
  return out;
}

// Why a warning: a repeated entry does nothing, and in a review it reads as if it did something.
function duplicate(path: Path, i: number, entry: string): RawIssue {
  return warning([...path, i], 'has no effect: the same entry is already listed (here or in a parent)', {
    found: renderFound(entry),
    allowed: 'remove the repeated entry',
  });
}

/** Loosening list: union, and `!entry` removes an inherited entry. */
export function loosen(
  parent: readonly string[] | undefined,
  child: readonly string[] | undefined,
  path: Path,
  issues: RawIssue[],
): string[] | undefined {
  if (child === undefined) return parent ? [...parent] : undefined;
  const out = [...(parent ?? [])];
  child.forEach((entry, i) => {
    if (entry.startsWith(REMOVE)) {
      const target = entry.slice(1);
      const at = out.indexOf(target);
      if (at === -1) {
        issues.push(
          error([...path, i], `nothing to remove: ${JSON.stringify(target)} is not inherited`, {
            found: renderFound(entry),
            allowed: 'an inherited entry after !',
          }),
        );
      } else out.splice(at, 1);
      return;
    }
    if (out.includes(entry)) issues.push(duplicate(path, i, entry));
    else out.push(entry);
  });
  return out;
}

export function unionBy<T>(
  parent: readonly T[] | undefined,
  child: readonly T[] | undefined,
  key: (v: T) => string,
): T[] | undefined {
  if (child === undefined) return parent ? [...parent] : undefined;
  const out = [...(parent ?? [])];
  const seen = new Set(out.map(key));
  for (const entry of child) {
    const k = key(entry);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(entry);
    }
  }
  return out;
}

/** A switch that may only be turned on by a child. */
export function ratchet(
  parent: boolean | undefined,
  child: boolean | undefined,
  path: Path,
  issues: RawIssue[],
): boolean | undefined {
  if (child === false && parent === true) {
    issues.push(
      error(path, 'a child cannot turn off a security lock its parent turned on', {
        found: 'false',
        allowed: 'true (or leave it out)',
      }),
    );
    return true;
  }
  return child ?? parent;
}

/** A permission a child may only take away: `false` in a parent cannot become `true` again. */
export function ratchetOff(
  parent: boolean | undefined,
  child: boolean | undefined,
  path: Path,
  issues: RawIssue[],
): boolean | undefined {
  if (child === true && parent === false) {
    issues.push(
      error(path, 'a child cannot grant what its parent tier withdrew', {
        found: 'true',
        allowed: 'false (or leave it out)',
      }),
    );
    return false;
  }
  return child ?? parent;
}

/** `paths.trackedSecrets`: refuse is the stricter; a child may tighten warn to refuse, never the reverse. */
export function ratchetTrackedSecrets(
  parent: 'refuse' | 'warn' | undefined,
  child: 'refuse' | 'warn' | undefined,
  issues: RawIssue[],
): 'refuse' | 'warn' | undefined {
  if (child === 'warn' && parent === 'refuse') {
    issues.push(
      error(['paths', 'trackedSecrets'], 'a child cannot relax what its parent refuses', {
        found: 'warn',
        allowed: 'refuse (or leave it out; allow one path with an exception that has a path)',
      }),
    );
    return 'refuse';
  }
  return child ?? parent;
}

const STRICTNESS = { allow: 0, ask: 1, deny: 2 } as const;

export function mergeFamilies(
  parent: readonly BashFamilyT[] | undefined,
  child: readonly BashFamilyT[] | undefined,
  issues: RawIssue[],
): BashFamilyT[] | undefined {
  if (child === undefined)
    return parent ? parent.map((f) => ({ ...f, commands: [...f.commands] })) : undefined;
  const out = (parent ?? []).map((f) => ({ ...f, commands: [...f.commands] }));
  child.forEach((family, i) => {
    const existing = out.find((f) => f.name === family.name);
    if (!existing) {
      out.push({ ...family, commands: [...family.commands] });
      return;
    }
    if (STRICTNESS[family.decision] < STRICTNESS[existing.decision]) {
      issues.push(
        error(
          ['bash', 'families', i, 'decision'],
          `family ${family.name} cannot be weakened from ${existing.decision} to ${family.decision}`,
          {
            found: family.decision,
            allowed: Object.keys(STRICTNESS)
              .filter((d) => STRICTNESS[d as keyof typeof STRICTNESS] >= STRICTNESS[existing.decision])
              .join(' | '),
          },
        ),
      );
    } else existing.decision = family.decision;
    for (const command of family.commands)
      if (!existing.commands.includes(command)) existing.commands.push(command);
    if (family.reason !== undefined) existing.reason = family.reason;
  });
  return out;
}
