import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { isCcboxError } from '../errors.js';
import { resolveProfileRef, type LoadOptions } from '../profile/load.js';
import { expectedOutcome, type Scenario } from './scenario.js';
import type { VerifyRecord } from './judge.js';
import { runCase, type VerifyEnvironment } from './run-case.js';

/** A case that could not even run: it fails, with the reason as its evidence. */
function brokenCase(scenario: Scenario, tier: string, err: unknown, durationMs: number): VerifyRecord {
  const details = isCcboxError(err) ? err.details.map((d) => ` ${d}`).join(';') : '';
  const message = `${err instanceof Error ? err.message : String(err)}${details}`;
  return {
    scenario: scenario.name,
    title: scenario.title,
    tier,
    input: { untrusted: scenario.untrusted, steps: scenario.steps },
    expected: expectedOutcome(scenario, tier),
    actual: 'no evidence',
    boundary: scenario.boundary,
    stoppedBy: [],
    evidence: {
      toolResults: [],
      auditEvents: [],
      egressDenied: [],
      canaryReachedModel: undefined,
      sinkHits: undefined,
      hostChanged: [],
    },
    status: 'fail',
    failures: [`the case did not run: ${message}`],
    owner: scenario.owner,
    fix: scenario.fix,
    durationMs,
  };
}

/**
 * The tier plus every scenario's approvals, as a profile that extends it. Why a profile and not
 * `--allowedTools`: the tiers lock permission rules to managed ones (allowManagedPermissionRulesOnly), so
 * only a managed allow stands for "the user approved this"; a child profile can only add narrow allows,
 * never lift a deny, so the tier's own denials and every other boundary still hold. One per tier (the
 * union), so it costs one more agent image per tier, not one per scenario.
 */
function approvedProfile(
  tier: string,
  scenarios: readonly Scenario[],
  dir: string,
  opts: LoadOptions,
): string {
  const allow = [...new Set(scenarios.flatMap((s) => s.approve ?? []))].sort();
  // Absolute, as the CLI resolves it: the derived file lives elsewhere, so a relative ref would not hold.
  const base = resolveProfileRef(tier, opts.cwd, opts);
  const file = path.join(dir, `approved-${createHash('sha256').update(base).digest('hex').slice(0, 8)}.yaml`);
  const name = `${path
    .basename(tier)
    .replace(/\.ya?ml$/, '')
    .replace(/[^a-z0-9-]/g, '-')}-approved`;
  writeFileSync(
    file,
    stringify({
      name,
      description: `${tier} with the approvals of ccbox verify's scenarios`,
      extends: base,
      permissions: { allow },
    }),
  );
  return file;
}

async function pool<T>(items: readonly T[], jobs: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
}

/**
 * Runs every scenario in every tier, `jobs` cases at a time. Why each tier's first case alone: it builds
 * the tier's agent image (and the gate's), which the others then share instead of building it twice.
 */
export async function runVerify(
  env: VerifyEnvironment,
  opts: {
    tiers: readonly string[];
    scenarios: readonly Scenario[];
    jobs: number;
    onRecord: (r: VerifyRecord) => void;
  },
): Promise<VerifyRecord[]> {
  const records: VerifyRecord[] = [];
  const one = async ([tier, scenario, ref]: readonly [string, Scenario, string]): Promise<void> => {
    const started = Date.now();
    const record = await runCase(env, scenario, tier, ref).catch((err: unknown) =>
      brokenCase(scenario, tier, err, Date.now() - started),
    );
    records.push(record);
    opts.onRecord(record);
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccbox-verify-profiles-'));
  try {
    for (const tier of opts.tiers) {
      const approved = approvedProfile(tier, opts.scenarios, dir, env.loadOptions);
      const cases = opts.scenarios.map((s) => [tier, s, s.approve?.length ? approved : tier] as const);
      const [first, ...rest] = cases;
      if (first) await one(first);
      await pool(rest, opts.jobs, one);
      if (env.signal?.aborted) break;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return records;
}
