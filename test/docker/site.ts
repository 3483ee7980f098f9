import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Wait } from 'testcontainers';
import { makeRepo } from './cli.js';
import { ensureModelImage } from './model.js';
import { containerLogs, dockerEngine } from './testbed/engines.js';
import { FixtureContainer } from './testbed/fixture.js';
import { testRun } from './testbed/run.js';

/** A test server standing in for a site on "the outside", and a profile that allowlists it. */
export interface TestSite {
  /** Its address on the outside network (private: the gate refuses it unless the profile names the range). */
  ip: string;
  /** A repository owned by uid 1000 to run sessions in. */
  repo: string;
  /** A profile extending low-risk that allows the site's name and exactly the outside network's range. */
  profileFile: string;
  /** What the server printed so far (stdout). */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts `script` (Node, run as `node -e`; it prints `listening` when ready) in a container on the run's
 * outside network with the network alias `name`. Why there: every packet of these tests stays on
 * networks the tests created.
 */
export async function startTestSite(opts: {
  name: string;
  script: string;
  env?: Record<string, string>;
  profileName: string;
}): Promise<TestSite> {
  const run = testRun();
  const container = await new FixtureContainer(
    await ensureModelImage(),
    run,
    `ccbox-test-site-${opts.profileName}`,
  )
    .onlyOn(run.outsideNetwork, opts.name)
    .withUser('0')
    .withEnvironment(opts.env ?? {})
    .withCommand(['node', '-e', opts.script])
    .withWaitStrategy(Wait.forLogMessage('listening'))
    .start();
  const repo = makeRepo(1000);
  const profileFile = path.join(path.dirname(repo), `${opts.profileName}.yaml`);
  writeFileSync(
    profileFile,
    `name: ${opts.profileName}\nextends: low-risk\negress:\n  allow: [${opts.name}]\n  allowCidrs: [${run.outsideSubnet}]\n`,
  );
  const engine = await dockerEngine();
  return {
    ip: container.getIpAddress(run.outsideNetwork),
    repo,
    profileFile,
    logs: async () => (await containerLogs(engine, container.getId())).stdout,
    stop: async () => void (await container.stop()),
  };
}
