// Lifetime: labels on everything, sessions found by label alone, gc removes all of a session and
// nothing of another.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testLabels } from './testbed/run.js';
import { connectEngine } from '../../src/docker/index.js';
import { CcboxError } from '../../src/errors.js';
import { sessionLabels, type Engine, type SessionRole } from '../../src/engine/engine.js';

const BASE = 'ccbox-test/base:bookworm';
const RUN = randomBytes(4).toString('hex');
const LIVE = `test-live-${RUN}`;
const DEAD = `test-dead-${RUN}`;
const KEEP = `test-keep-${RUN}`;
let engine: Engine;

const labels = (session: string, role: SessionRole) => ({
  ...sessionLabels(session, role, 'policy-v1'),
  ...testLabels(),
});

async function makeSession(session: string, running: boolean): Promise<void> {
  const net = await engine.createNetwork({
    name: `ccbox-${session}-int`,
    internal: true,
    labels: labels(session, 'network'),
  });
  const gate = await engine.createContainer({
    name: `ccbox-${session}-gate`,
    image: BASE,
    cmd: ['sleep', 'infinity'],
    labels: labels(session, 'gate'),
    network: { name: net.name },
  });
  await engine.createContainer({
    name: `ccbox-${session}-agent`,
    image: BASE,
    cmd: ['sleep', 'infinity'],
    labels: labels(session, 'agent'),
    network: { name: net.name },
  });
  if (running) await gate.start();
}

beforeAll(async () => {
  engine = await connectEngine(process.env.DOCKER_HOST ? { host: process.env.DOCKER_HOST } : {});
  if (!(await engine.imageExists(BASE))) throw new Error(`${BASE} is missing: run \`bash .ci/run\``);
  await makeSession(LIVE, true);
  await makeSession(DEAD, false);
  await makeSession(KEEP, false);
}, 120_000);

afterAll(async () => {
  await engine.gc({ sessions: [LIVE, DEAD, KEEP] });
});

describe('sessions by label', () => {
  it('lists each session with its containers, networks, policy and liveness', async () => {
    const sessions = (await engine.listSessions()).filter((s) => [LIVE, DEAD, KEEP].includes(s.id));
    expect(sessions.map((s) => s.id)).toEqual([DEAD, KEEP, LIVE].sort());
    const live = sessions.find((s) => s.id === LIVE);
    expect(live).toMatchObject({
      policyVersion: 'policy-v1',
      orphaned: false,
      networks: [{ name: `ccbox-${LIVE}-int` }],
    });
    expect(live?.containers.map((c) => `${c.role}:${c.name}:${c.running}`).sort()).toEqual([
      `agent:ccbox-${LIVE}-agent:false`,
      `gate:ccbox-${LIVE}-gate:true`,
    ]);
    expect(sessions.find((s) => s.id === DEAD)?.orphaned).toBe(true);
    const gate = await engine.container(`ccbox-${LIVE}-gate`).inspect();
    expect(gate.labels).toMatchObject({
      'dev.ccbox.session': LIVE,
      'dev.ccbox.role': 'gate',
      'dev.ccbox.policy': 'policy-v1',
    });
  });

  it('refuses to create a container or network gc could not find', async () => {
    const name = `ccbox-test-${RUN}-unlabelled`;
    await expect(engine.createContainer({ name, image: BASE, labels: testLabels() })).rejects.toThrow(
      CcboxError,
    );
    await expect(engine.createNetwork({ name, internal: true, labels: {} })).rejects.toThrow(
      /dev\.ccbox\.session/,
    );
    await expect(engine.container(name).inspect()).rejects.toThrow(/No such container/i);
  });

  it('gc with onlyOrphaned spares a session with a running container', async () => {
    const result = await engine.gc({ sessions: [LIVE, DEAD], onlyOrphaned: true });
    expect(result.sessions).toEqual([DEAD]);
    expect(result.containers.sort()).toEqual([`ccbox-${DEAD}-agent`, `ccbox-${DEAD}-gate`]);
    expect(result.networks).toEqual([`ccbox-${DEAD}-int`]);
    expect(result.failed).toEqual([]);
    const ids = (await engine.listSessions()).map((s) => s.id);
    expect(ids).toContain(LIVE);
    expect(ids).toContain(KEEP);
    expect(ids).not.toContain(DEAD);
  });

  it('gc removes a running session entirely and leaves other sessions alone', async () => {
    const result = await engine.gc({ sessions: [LIVE] });
    expect(result).toMatchObject({ sessions: [LIVE], failed: [] });
    expect(result.containers).toHaveLength(2);
    await expect(engine.container(`ccbox-${LIVE}-gate`).inspect()).rejects.toThrow(/No such container/i);
    const ids = (await engine.listSessions()).map((s) => s.id);
    expect(ids).not.toContain(LIVE);
    expect(ids).toContain(KEEP);
    // Removing what is already gone is not an error.
    await engine.removeNetwork(`ccbox-${LIVE}-int`);
    expect(await engine.gc({ sessions: [LIVE] })).toEqual({
      sessions: [],
      containers: [],
      networks: [],
      failed: [],
    });
  });
});
