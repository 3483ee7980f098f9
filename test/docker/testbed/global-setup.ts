import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type Dockerode from 'dockerode';
import type { TestProject } from 'vitest/node';
import { dockerEngine, podmanEngine } from './engines.js';
import { pidAlive, reapable, type ReapContext, type TestRun } from './labels.js';
import { createOutsideNetwork } from './outside-network.js';
import { reap, type Reaped } from './reap.js';

// vitest's global setup for the real-engine test bed: a run id (labels and fixture names), the run's
// outside network, and a teardown that removes every object labelled with this run, however the tests
// ended (a failed assertion, a timed-out hook, a crashed worker). It also removes what runs whose
// vitest process is gone left behind. Ryuk (testcontainers' reaper) cannot run here: its image is not
// reachable, so this is the reaper.

/** The engines the tests use that answer: Docker always, Podman when its socket is configured. */
async function engines(): Promise<Array<{ name: string; engine: Dockerode }>> {
  const found: Array<{ name: string; engine: Dockerode }> = [];
  try {
    const docker = await dockerEngine();
    await docker.ping();
    found.push({ name: 'docker', engine: docker });
  } catch {
    // No engine (a unit-only machine): the real-engine suites fail on their own, loudly.
  }
  const podman = process.env.CCBOX_TEST_PODMAN_SOCKET;
  if (podman) {
    const engine = podmanEngine(podman);
    if (
      await engine.ping().then(
        () => true,
        () => false,
      )
    )
      found.push({ name: 'podman', engine });
  }
  return found;
}

const total = (r: Reaped): number => r.containers + r.networks + r.volumes + r.images;

async function sweep(
  all: Array<{ name: string; engine: Dockerode }>,
  ctx: ReapContext,
  what: string,
): Promise<void> {
  for (const { name, engine } of all) {
    const r = await reap(engine, (labels, created) =>
      reapable(labels, created, { ...ctx, nowMs: Date.now() }),
    );
    if (total(r) > 0)
      process.stderr.write(
        `test bed: removed ${what} on ${name}: ${r.containers} containers, ${r.networks} networks, ${r.volumes} volumes, ${r.images} images\n`,
      );
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // testcontainers must not try to start Ryuk, in this process or in the workers (vitest.config.ts).
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const owner = `${os.hostname()}:${process.pid}`;
  const ctx: ReapContext = { runId: id, host: os.hostname(), nowMs: Date.now(), isAlive: pidAlive };
  const all = await engines();
  // Leftovers of dead runs first (only those: a live run's objects do not match), then this run's network.
  await sweep(all, { ...ctx, runId: '' }, 'what dead runs left');
  const docker = all.find((e) => e.name === 'docker')?.engine;
  const outside = docker ? await createOutsideNetwork(docker, { id, owner }) : { name: '', subnet: '' };
  const run: TestRun = { id, owner, outsideNetwork: outside.name, outsideSubnet: outside.subnet };
  project.provide('ccboxTestRun', run);
  return () => sweep(all, ctx, 'what this run left');
}
