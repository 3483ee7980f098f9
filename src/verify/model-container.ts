import { LABEL_OWNER, sessionLabels, type ContainerHandle, type Engine } from '../engine/engine.js';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import type { RecordedRequest, Script } from './scripted-model/types.js';

const PORT = 8080;
const READY_TIMEOUT_MS = 30_000;

/** The scripted model of one verify case, on the case's own network. */
export interface VerifyModel {
  container: ContainerHandle;
  /** What the gate's relay forwards to. */
  url: string;
  /** Every request the model saw so far (credential headers redacted by the model itself). */
  requests(): Promise<RecordedRequest[]>;
}

/**
 * Starts the scripted model for one case. Why locked down like a session container: scenario text is
 * hostile by design, and the model container parses what the agent sends. Why the script in the env and
 * the key as an argument: both are made up for this case (the key is a canary, never the user's).
 */
export async function startVerifyModel(
  engine: Engine,
  opts: { id: string; image: string; network: string; script: Script; apiKey: string; owner: string },
): Promise<VerifyModel> {
  const container = await engine.createContainer({
    name: `ccbox-${opts.id}-model`,
    image: opts.image,
    entrypoint: ['/bin/sh', '-c'],
    cmd: [
      'printf "%s" "$SCRIPT" > /tmp/script.json && exec node /opt/model/main.js /tmp/script.json 8080 0.0.0.0 "$KEY"',
    ],
    env: { SCRIPT: JSON.stringify(opts.script), KEY: opts.apiKey },
    labels: { ...sessionLabels(opts.id, 'verify', 'verify'), [LABEL_OWNER]: opts.owner },
    mounts: [{ type: 'tmpfs', target: '/tmp', options: { sizeBytes: 16 * 1024 * 1024 } }],
    readOnlyRootfs: true,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
    network: { name: opts.network },
    resources: { memoryBytes: 256 * 1024 * 1024, pidsLimit: 64 },
  });
  try {
    await container.start();
    const address = (await container.inspect()).ipAddresses[opts.network];
    if (!address) throw new Error('no address on the verify network');
    const requests = async (): Promise<RecordedRequest[]> => {
      // Why exec and not a request from the host: the case's network is internal, and a remote engine's
      // networks are not routable from here at all.
      const r = await container.exec([
        'node',
        '-e',
        `fetch('http://127.0.0.1:${PORT}/_scripted/requests').then((r) => r.text()).then((t) => process.stdout.write(t))`,
      ]);
      if (r.exitCode !== 0)
        throw new Error(`reading the scripted model's requests failed (exit ${r.exitCode})`);
      return (JSON.parse(r.stdout) as { requests: RecordedRequest[] }).requests;
    };
    await waitListening(container);
    return { container, url: `http://${address}:${PORT}`, requests };
  } catch (cause) {
    await container.remove({ force: true }).catch(() => undefined);
    throw new CcboxError('the scripted model for `ccbox verify` did not start', {
      code: 'VERIFY_MODEL_FAILED',
      exitCode: ExitCodes.sandboxFailed,
      cause,
    });
  }
}

async function waitListening(container: ContainerHandle): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { stdout } = await container.logs();
    if (stdout.includes('"listening"')) return;
    const state = await container.inspect();
    if (!state.running) throw new Error(`the scripted model exited with ${state.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the scripted model did not listen within 30 s');
}
