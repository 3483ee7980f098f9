import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { CliContext } from '../context.js';
import { loadOptionsFrom } from '../context.js';
import { connectFromSettings } from '../engine.js';
import { commandLifecycle } from '../lifecycle.js';
import { line, reportError } from '../output.js';
import { readSettings } from '../settings.js';
import { ownerLabel } from './sessions.js';
import { CcboxError } from '../../errors.js';
import { ExitCodes } from '../../exit-codes.js';
import { ccboxVersion } from '../../paths.js';
import { DEFAULT_BASE_IMAGE } from '../../image/base-image.js';
import { listBuiltinProfiles, namedFiles } from '../../profile/load.js';
import { stateDirs } from '../../session/session.js';
import { parseSubnetPool } from '../../session/subnet-pool.js';
import { ensureVerifyModelImage } from '../../verify/model-image.js';
import { recordLines, junitReport } from '../../verify/report.js';
import { runVerify } from '../../verify/run-verify.js';
import { loadScenarios } from '../../verify/scenarios.js';

function writeAll(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (err) => (err ? reject(err) : resolve())));
}

function jobsOf(text: string | undefined): number {
  if (text === undefined) return 2;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 16)
    throw new CcboxError(`--jobs must be a whole number from 1 to 16`, {
      code: 'USAGE',
      exitCode: ExitCodes.invalidInput,
    });
  return n;
}

/** `ccbox verify`: every scenario in every tier, each in a fresh session; returns the exit code. */
/** The flags of `ccbox verify` (src/cli/commands/verify.ts). */
export interface VerifyFlags {
  profile: string[];
  scenario: string[];
  scenarios: string[];
  jobs?: string;
  json?: boolean;
  junit?: string;
}

export async function verify(ctx: CliContext, opts: VerifyFlags): Promise<number> {
  using life = commandLifecycle(ctx.lifecycle, [ctx.stdout, ctx.stderr]);
  try {
    const settings = readSettings(ctx);
    const given = loadOptionsFrom(ctx);
    // Why named: each tier file the user gave is extended by the derived profile of its approvals.
    const loadOptions = {
      ...given,
      namedFiles: [...(given.namedFiles ?? []), ...namedFiles(opts.profile, given)],
    };
    const jobs = jobsOf(opts.jobs);
    const scenarios = loadScenarios(
      opts.scenarios.map((d) => path.resolve(ctx.cwd, d)),
      opts.scenario,
    );
    const tiers = opts.profile.length > 0 ? opts.profile : listBuiltinProfiles(loadOptions.builtinDir);
    const engine = await connectFromSettings(settings);
    const binaries = {
      registry: settings.registry,
      cacheDir: settings.cacheDir,
      arch: os.arch(),
      signal: life.signal,
    };
    const modelImage = await ensureVerifyModelImage(engine, {
      baseImage: settings.baseImage ?? DEFAULT_BASE_IMAGE,
      binaries,
      signal: life.signal,
    });
    line(
      ctx.stderr,
      `ccbox verify: ${scenarios.length} scenarios × ${tiers.length} tiers, ${jobs} at a time`,
    );
    const started = Date.now();
    const records = await runVerify(
      {
        engine,
        binaries,
        modelImage,
        hostEnv: ctx.env,
        planCacheDir: settings.cacheDir,
        version: ccboxVersion(),
        loadOptions,
        baseImage: settings.baseImage,
        caFile: settings.extraCaCerts,
        dirs: stateDirs(settings.cacheDir, settings.stateDir),
        subnets: parseSubnetPool(settings.subnetPool, settings.subnetSize),
        owner: ownerLabel(),
        signal: life.signal,
      },
      {
        tiers,
        scenarios,
        jobs,
        onRecord: (r) => {
          if (!opts.json) void writeAll(ctx.stdout, `${recordLines(r).join('\n')}\n`).catch(() => undefined);
        },
      },
    );
    const failed = records.filter((r) => r.status === 'fail').length;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (opts.junit) writeFileSync(path.resolve(ctx.cwd, opts.junit), junitReport(records));
    if (opts.json)
      await writeAll(
        ctx.stdout,
        `${JSON.stringify({ records, failed, seconds: Number(seconds) }, null, 2)}\n`,
      );
    else
      await writeAll(ctx.stdout, `${records.length - failed}/${records.length} cases pass (${seconds} s)\n`);
    const signalled = life.abortExitCode();
    if (signalled !== undefined) return signalled;
    return failed > 0 ? ExitCodes.checkFailed : ExitCodes.ok;
  } catch (err) {
    return life.abortExitCode() ?? reportError(ctx.stderr, err);
  }
}
