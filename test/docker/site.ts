import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectEngine } from '../../src/docker/index.js';
import { ensureOutsideNetwork, makeRepo } from './cli.js';
import { ensureModelImage } from './model.js';

/** A test server standing in for a site on "the outside", and a profile that allowlists it. */
export interface TestSite {
  /** Its address on the outside network (private: the gate refuses it unless the profile names the range). */
  ip: string;
  /** A repository owned by uid 1000 to run sessions in. */
  repo: string;
  /** A profile extending low-risk that allows the site's name and exactly the outside network's range. */
  profileFile: string;
  remove(): void;
}

/**
 * Starts `script` (Node, run as `node -e`) in a container on the gates' outbound test network with the
 * network alias `name`. Why here: every packet of these tests stays on networks the tests created.
 */
export async function startTestSite(opts: {
  container: string;
  name: string;
  script: string;
  env?: Record<string, string>;
  profileName: string;
}): Promise<TestSite> {
  const network = ensureOutsideNetwork();
  const engine = await connectEngine(process.env.DOCKER_HOST ? { host: process.env.DOCKER_HOST } : {});
  const image = await ensureModelImage(engine);
  execFileSync('docker', ['rm', '-f', opts.container], { stdio: 'ignore' });
  const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  execFileSync(
    'docker',
    [
      'run',
      '-d',
      '--name',
      opts.container,
      '--label',
      'dev.ccbox.test=1',
      '--network',
      network,
      '--network-alias',
      opts.name,
      '--user',
      '0',
      ...env,
      image,
      'node',
      '-e',
      opts.script,
    ],
    { stdio: 'ignore' },
  );
  const ip = execFileSync(
    'docker',
    ['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, opts.container],
    { encoding: 'utf8' },
  ).trim();
  const subnet = execFileSync(
    'docker',
    ['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', network],
    { encoding: 'utf8' },
  ).trim();
  const repo = makeRepo(1000);
  const profileFile = path.join(path.dirname(repo), `${opts.profileName}.yaml`);
  writeFileSync(
    profileFile,
    `name: ${opts.profileName}\nextends: low-risk\negress:\n  allow: [${opts.name}]\n  allowCidrs: [${subnet}]\n`,
  );
  return {
    ip,
    repo,
    profileFile,
    remove: () => execFileSync('docker', ['rm', '-f', opts.container], { stdio: 'ignore' }),
  };
}
