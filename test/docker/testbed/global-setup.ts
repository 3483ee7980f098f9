import { randomBytes } from 'node:crypto';
import os from 'node:os';
import Dockerode from 'dockerode';
import type { TestProject } from 'vitest/node';
import { pidAlive, reapable, type TestRun } from './labels.js';
import { createOutsideNetwork } from './outside-network.js';
import { reap, type Decide, type Reaped } from './reap.js';

// vitest's global setup for the real-engine test bed: a run id (labels and fixture names), the run's
// outside network, and a teardown that removes every object labelled with this run, however the tests
// ended (a failed assertion, a timed-out hook, a crashed worker). It also removes what runs whose
// vitest process is gone (killed, say) left behind. Ryuk (testcontainers' reaper) cannot run here:
// its image is not reachable, so this is the reaper.

/** The engines the tests use that answer: Docker always, Podman when its socket is configured. */
async function engines(): Promise<Array<{ name: string; engine: Dockerode }>> {
  const found: Array<{ name: string; engine: Dockerode }> = [];
  try {
    // Plain dockerode (DOCKER_HOST or the default socket, as testcontainers finds it in the workers):
    // importing testcontainers here would add about 1.5 s to every run, unit-only ones included.
    const docker = new Dockerode();
    await docker.ping();
    found.push({ name: 'docker', engine: docker });
  } catch {
    // No engine (a unit-only machine): the real-engine suites fail on their own, loudly.
  }
  const podman = process.env.CCBOX_TEST_PODMAN_SOCKET;
  if (podman) {
    const engine = new Dockerode({ socketPath: podman });
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
  decide: Decide,
  what: string,
): Promise<void> {
  for (const { name, engine } of all) {
    const r = await reap(engine, decide);
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
  const all = await engines();
  const docker = all.find((e) => e.name === 'docker')?.engine;
  const outside = docker ? await createOutsideNetwork(docker, { id, owner }) : { name: '', subnet: '' };
  const run: TestRun = { id, owner, outsideNetwork: outside.name, outsideSubnet: outside.subnet };
  project.provide('ccboxTestRun', run);
  // One pass at the end: this run's objects, and those of dead runs (never a live run's: another
  // engineer's, right now). At the end rather than the start: listing images costs about 0.5 s.
  const ctx = { runId: id, host: os.hostname(), isAlive: pidAlive };
  return () =>
    sweep(
      all,
      (labels, created) => reapable(labels, created, { ...ctx, nowMs: Date.now() }),
      'what this run and dead runs left',
    );
}
