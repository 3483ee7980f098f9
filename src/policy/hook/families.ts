import type { HookPolicy } from '../plan.js';
import type { HookVerdict } from './types.js';
import type { Arg } from './words.js';
import { BUILTIN } from './builtin-families.js';

/** One family as the decider uses it: the tier's decision and reason, the built-in and tier names. */
export interface Family {
  name: string;
  decision: HookVerdict;
  reason: string;
  entries: string[][];
}

/** The families of a tier merged over the built-ins, by name. */
export function familyTable(policy: HookPolicy): Map<string, Family> {
  const table = new Map<string, Family>();
  for (const [name, f] of Object.entries(BUILTIN)) {
    table.set(name, { name, decision: f.decision, reason: f.reason, entries: f.commands.map(words) });
  }
  for (const f of policy.families) {
    const base = table.get(f.name);
    table.set(f.name, {
      name: f.name,
      decision: f.decision,
      reason: f.reason,
      entries: [...(base?.entries ?? []), ...f.commands.map(words)],
    });
  }
  return table;
}

const words = (s: string): string[] => s.trim().split(/\s+/);

// Global options that take a value, per multi-call tool: `git -C dir push` is still a push.
const GLOBAL_VALUED: Record<string, ReadonlySet<string>> = {
  git: new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env']),
  npm: new Set(['--prefix', '-C', '-w', '--workspace', '--registry', '--userconfig']),
  pnpm: new Set(['-C', '--dir', '--filter', '-F', '-w', '--workspace']),
  yarn: new Set(['--cwd']),
  docker: new Set(['-H', '--host', '-c', '--context', '--config', '-l', '--log-level']),
  kubectl: new Set([
    '-n',
    '--namespace',
    '--context',
    '--kubeconfig',
    '-s',
    '--server',
    '--cluster',
    '--user',
  ]),
  helm: new Set(['-n', '--namespace', '--kube-context', '--kubeconfig']),
  gh: new Set(['-R', '--repo']),
  cargo: new Set(['--manifest-path', '-Z', '--config', '-C']),
};

// Spellings of one subcommand (npm's abbreviations, typos it accepts): `npm isntall` installs.
const spellings = (to: string, from: string[]): Record<string, string> =>
  Object.fromEntries(from.map((f) => [f, to]));

// Spellings of one subcommand (npm's abbreviations, typos it accepts): `npm isntall` installs.
const SYNONYMS: Record<string, Record<string, string>> = {
  npm: {
    ...spellings('install', [
      'i',
      'in',
      'ins',
      'inst',
      'insta',
      'instal',
      'isnt',
      'isnta',
      'isntal',
      'isntall',
      'add',
      'it',
      'install-test',
    ]),
    ...spellings('ci', ['ic', 'cit', 'clean-install', 'install-clean', 'isntall-clean', 'install-ci-test']),
    rb: 'rebuild',
  },
  pnpm: { i: 'install', a: 'add' },
  bun: { i: 'install', a: 'add' },
};

/** Positional words after a command's global options, with subcommand spellings canonicalised. */
export function positionals(name: string, args: readonly Arg[]): string[] {
  const valued = GLOBAL_VALUED[name] ?? new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < args.length && out.length < 3; i++) {
    const t = args[i]?.text ?? args[i]?.pattern ?? '';
    if (t.startsWith('-') && out.length === 0) {
      if (valued.has(t)) i++;
      continue;
    }
    if (t.startsWith('-')) continue;
    out.push(out.length === 0 ? (SYNONYMS[name]?.[t] ?? t) : t);
  }
  // `yarn` alone installs.
  if (name === 'yarn' && out.length === 0) out.push('install');
  return out;
}

/** Canonical name of versioned binaries: `python3.12` → `python3`, `pip3.11` → `pip3`. */
export function canonicalName(name: string): string {
  return name.replace(/^(python|pip|pypy)(\d)(\.\d+)+$/, '$1$2').replace(/^nodejs$/, 'node');
}

/** The families a command falls into (their first matching entry each). */
export function matchFamilies(
  table: ReadonlyMap<string, Family>,
  name: string,
  args: readonly Arg[],
): Family[] {
  const canon = canonicalName(name);
  const pos = positionals(canon, args);
  const hits: Family[] = [];
  for (const family of table.values()) {
    const hit = family.entries.some(([head, ...sub]) => head === canon && sub.every((w, i) => pos[i] === w));
    if (hit) hits.push(family);
  }
  return hits;
}

/** Every command word some family names: copying one of these under another name keeps its family. */
export function familyHeads(table: ReadonlyMap<string, Family>): Set<string> {
  const heads = new Set<string>();
  for (const f of table.values()) for (const [head] of f.entries) if (head) heads.add(head);
  return heads;
}
