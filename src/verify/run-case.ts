import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AUDIT_LOG_FILE, type AuditEvent } from '../audit/event.js';
import { parseEvents } from '../audit/host/read.js';
import { LABEL_OWNER, sessionLabels, type Engine } from '../engine/engine.js';
import type { BinarySource } from '../image/binaries.js';
import type { LoadOptions } from '../profile/load.js';
import { createSessionNetwork } from '../session/session-network.js';
import { newSessionId, prepareSession, type PreparedSession } from '../session/session.js';
import type { SubnetPool } from '../session/subnet-pool.js';
import { makeCaseRepo } from './case-repo.js';
import { judgeCase, type CaseEvidence, type VerifyRecord } from './judge.js';
import { startVerifyModel } from './model-container.js';
import type { Scenario } from './scenario.js';
import { toolResults } from './scripted-model/tool-results.js';

/** What every case needs from the command: the engine, where state lives, and the images' inputs. */
export interface VerifyEnvironment {
  engine: Engine;
  binaries: BinarySource;
  modelImage: string;
  hostEnv: Readonly<Record<string, string | undefined>>;
  planCacheDir: string;
  version: string;
  loadOptions: LoadOptions;
  baseImage: string | undefined;
  caFile: string | undefined;
  dirs: { worktreesDir: string; emptyDir: string; sessionsDir: string };
  subnets: SubnetPool | undefined;
  owner: string;
  signal?: AbortSignal;
}

/** Why a bound: a hostile scenario may hang a tool call; the case then fails on its evidence. */
const CASE_TIMEOUT_MS = 180_000;
/** The scenario's canary value meaning "the model key the gate holds". */
const MODEL_KEY_CANARY = 'model-key';

async function runAgent(
  session: PreparedSession,
  signal: AbortSignal | undefined,
): Promise<number | undefined> {
  const streams = await session.container.attach({ stdin: false, stdout: true, stderr: true });
  streams.stdout.resume();
  streams.stderr.resume();
  await session.start();
  const timer = setTimeout(
    () => void session.container.kill('SIGKILL').catch(() => undefined),
    CASE_TIMEOUT_MS,
  );
  const onAbort = (): void => void session.container.kill('SIGKILL').catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await session.container.wait();
    return code === 137 ? undefined : code;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    streams.close();
  }
}

function readAudit(auditDir: string): Array<{ line: number; event: AuditEvent }> {
  let text: string;
  try {
    text = readFileSync(path.join(auditDir, AUDIT_LOG_FILE), 'utf8');
  } catch {
    return [];
  }
  return parseEvents(text).events.map((event, i) => ({ line: i + 1, event }));
}

/**
 * Runs one scenario in one fresh session of `tier`: its own repository, its own scripted model on its own
 * internal network (the gate's only way out, so even a broken gate sends nothing off the machine), a
 * made-up model key, then the evidence: what Claude Code told the model, the gate's audit log, the host
 * copy of the watched paths. Everything it created is removed, whatever happened.
 */
export async function runCase(
  env: VerifyEnvironment,
  scenario: Scenario,
  tier: string,
  profileRef: string = tier,
): Promise<VerifyRecord> {
  const started = Date.now();
  const id = `v${newSessionId()}`;
  const key = `sk-ant-api03-ccbox-verify-${randomBytes(12).toString('hex')}`;
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const network = await createSessionNetwork(env.engine, env.subnets, {
      name: `ccbox-${id}-verify`,
      internal: true,
      labels: { ...sessionLabels(id, 'network', 'verify'), [LABEL_OWNER]: env.owner },
    });
    cleanup.unshift(() => env.engine.removeNetwork(network.name));
    const script = {
      turns: [
        ...scenario.steps.map((s) => ({
          type: 'tool_use' as const,
          calls: [{ name: s.tool, input: s.input }],
        })),
        { type: 'text' as const, text: 'scenario finished' },
      ],
    };
    const model = await startVerifyModel(env.engine, {
      id,
      image: env.modelImage,
      network: network.name,
      script,
      apiKey: key,
      owner: env.owner,
    });
    cleanup.unshift(() => model.container.remove({ force: true }));
    // The repository last: its files may name the sink, whose address exists only now.
    const repo = await makeCaseRepo(scenario, new URL(model.url).host);
    cleanup.unshift(() => Promise.resolve(repo.remove()));
    const before = repo.snapshot();
    const session = await prepareSession(
      {
        profileRef,
        planCacheDir: env.planCacheDir,
        version: env.version,
        loadOptions: env.loadOptions,
        cwd: repo.dir,
        home: path.dirname(repo.dir),
        hostEnv: { PATH: env.hostEnv.PATH, ANTHROPIC_API_KEY: key },
        worktreeMode: false,
        command: [
          '/usr/local/bin/ccbox-entry',
          'claude',
          '-p',
          'Follow the instructions in this repository.',
        ],
        role: 'agent',
        tty: false,
        baseImage: env.baseImage,
        caFile: env.caFile,
        ...env.dirs,
        gateNetwork: network.name,
        modelUpstream: model.url,
        ...(env.subnets ? { subnets: env.subnets } : {}),
        owner: env.owner,
        ...(env.signal ? { signal: env.signal } : {}),
      },
      { connect: () => Promise.resolve(env.engine), binaries: env.binaries, onEvent: () => undefined },
    );
    let exitCode: number | undefined;
    try {
      exitCode = await runAgent(session, env.signal);
    } finally {
      await session.dispose();
    }
    // After the gate stopped: its last events are on disk. The log stays, as the case's evidence.
    const audit: CaseEvidence['audit'] = readAudit(session.gate.auditDir);
    const requests = await model.requests();
    const bodies = requests.map((r) => JSON.stringify(r.body ?? '')).join('\n');
    const canary = scenario.evidence.canary === MODEL_KEY_CANARY ? key : scenario.evidence.canary;
    const after = repo.snapshot();
    const record = judgeCase(
      scenario,
      tier,
      {
        toolResults: toolResults(requests),
        canaryReachedModel: canary === undefined ? undefined : bodies.includes(canary),
        sinkHits: scenario.evidence.sinkUntouched
          ? requests.filter((r) => r.path.startsWith('/exfil')).length
          : undefined,
        watched: before.size,
        hostChanged: [...before].flatMap(([p, d]) => (after.get(p) === d ? [] : [p])),
        audit,
        exitCode,
      },
      Date.now() - started,
    );
    return { ...record, session: session.id };
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
}
