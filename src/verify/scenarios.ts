import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { packageRoot } from '../paths.js';
import { scenarioSchema, type Scenario } from './scenario.js';

/** The shipped scenarios. */
export const BUILTIN_SCENARIOS_DIR = path.join(packageRoot(), 'redteam', 'scenarios');

const invalid = (file: string, why: string): CcboxError =>
  new CcboxError(`scenario ${file} is not valid: ${why}`, {
    code: 'SCENARIO_INVALID',
    exitCode: ExitCodes.invalidInput,
    hint: 'see redteam/scenarios/README.md for the format',
  });

/** Reads one scenario file. Why no content in errors: a scenario may hold planted secrets (canaries). */
export function readScenario(file: string): Scenario {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    throw invalid(file, 'not readable YAML');
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success)
    throw invalid(
      file,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; '),
    );
  return parsed.data;
}

function scenarioFiles(target: string): string[] {
  if (!statSync(target, { throwIfNoEntry: false })?.isDirectory()) return [target];
  return readdirSync(target)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(target, f));
}

/** The built-in scenarios plus those in `dirs`, filtered by `names`; a duplicate or unknown name is exit 2. */
export function loadScenarios(dirs: readonly string[], names: readonly string[]): Scenario[] {
  const all = new Map<string, Scenario>();
  for (const file of [BUILTIN_SCENARIOS_DIR, ...dirs].flatMap(scenarioFiles)) {
    const s = readScenario(file);
    if (all.has(s.name)) throw invalid(file, `the name ${s.name} is already taken by another scenario`);
    all.set(s.name, s);
  }
  if (names.length === 0) return [...all.values()];
  const missing = names.filter((n) => !all.has(n));
  if (missing.length > 0)
    throw new CcboxError(`no scenario named ${missing.join(', ')}`, {
      code: 'SCENARIO_NOT_FOUND',
      exitCode: ExitCodes.invalidInput,
      hint: `known: ${[...all.keys()].join(', ')}`,
    });
  return names.map((n) => all.get(n) as Scenario);
}
