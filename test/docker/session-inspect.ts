import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import http from 'node:http';
import path from 'node:path';
import { CACHE_DIR, outsideNetwork } from './cli.js';
import { ensureModelImage, startModel, type ScriptedModelFixture } from './model.js';

/** The Engine API's own JSON for a path (what the CLI's inspect prints), over the local socket. */
export function engineJson(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath: '/var/run/docker.sock', path }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** The containers of the one session running on `worktree`, by ccbox's labels. */
export async function sessionContainers(
  worktree: string,
): Promise<Array<{ Id: string; Image: string; Labels: Record<string, string> }>> {
  const all = JSON.parse(await engineJson('/containers/json?all=1')) as Array<{
    Id: string;
    Image: string;
    Labels: Record<string, string>;
  }>;
  const agent = all.find((c) => c.Labels['dev.ccbox.worktree'] === worktree);
  const session = agent?.Labels['dev.ccbox.session'];
  return session === undefined ? [] : all.filter((c) => c.Labels['dev.ccbox.session'] === session);
}

/**
 * A scripted model that answers only `apiKey`: one Bash tool call (`command`, allowed by the test),
 * then `text`. Why the tool call: the session then lives long enough to outlive a token or be inspected.
 */
export async function startToolThenTextModel(opts: {
  name: string;
  apiKey: string;
  command: string;
  text: string;
}): Promise<ScriptedModelFixture> {
  return startModel({
    name: opts.name,
    network: outsideNetwork(),
    image: await ensureModelImage(),
    apiKey: opts.apiKey,
    script: {
      turns: [
        {
          type: 'tool_use',
          calls: [{ name: 'Bash', input: { command: opts.command, description: 'wait' } }],
        },
        { type: 'text', text: opts.text },
      ],
    },
  });
}

/** The session's audit log (its id read from the CLI's stderr) and its credential events. */
export function credentialEvents(stderr: string): {
  log: string;
  events: Array<{ rule: string; decision: string; what: string; reason: string }>;
} {
  const session = /session ([0-9a-f]{8})/.exec(stderr)?.[1] ?? '';
  const log = readFileSync(
    path.join(CACHE_DIR, 'state', 'sessions', session, 'audit', 'audit.jsonl'),
    'utf8',
  );
  const events = log
    .split('\n')
    .filter((l) => l.includes('"source":"credential"'))
    .map((l) => JSON.parse(l) as { rule: string; decision: string; what: string; reason: string });
  return { log, events };
}

/**
 * Waits for the session on `worktree` to have its agent (role `role`) and gate, then asserts that
 * neither container's inspect nor its image history holds `secret`. Returns the containers.
 */
export async function expectNotInspectable(
  worktree: string,
  role: 'agent' | 'shell',
  secret: string,
): Promise<Awaited<ReturnType<typeof sessionContainers>>> {
  let containers: Awaited<ReturnType<typeof sessionContainers>> = [];
  for (let i = 0; i < 600 && containers.length < 2; i++) {
    containers = await sessionContainers(worktree);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(containers.map((c) => c.Labels['dev.ccbox.role']).sort()).toEqual([role, 'gate'].sort());
  for (const c of containers) {
    const inspect = await engineJson(`/containers/${c.Id}/json`);
    expect(inspect).toContain('"Env"');
    expect(inspect, `the engine's inspect of the ${c.Labels['dev.ccbox.role']}`).not.toContain(secret);
    const history = await engineJson(`/images/${encodeURIComponent(c.Image)}/history`);
    expect(history).not.toContain(secret);
  }
  return containers;
}
