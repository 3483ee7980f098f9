import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/docker/index.js';
import type { Engine } from '../../src/engine/engine.js';
import { prepareSession, stateDirs, type PreparedSession } from '../../src/session/session.js';
import { packageRoot } from '../../src/paths.js';
import { CACHE_DIR, isRoot, makeRepo, outsideNetwork } from './cli.js';
import { ensureModelImage, startModel } from './model.js';

// The real Claude Code binary in the real agent image, driven by a scripted Messages API that runs in a
// container on the session's internal network (the agent has no other network).

interface StreamEvent {
  type: string;
  subtype?: string;
  message?: {
    content?: Array<{ type: string; tool_use_id?: string; is_error?: boolean; content?: unknown }>;
  };
}

function toolResults(stdout: string): Array<{ isError: boolean; text: string }> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as StreamEvent)
    .filter((e) => e.type === 'user')
    .flatMap((e) => e.message?.content ?? [])
    .filter((c) => c.type === 'tool_result')
    .map((c) => ({
      isError: c.is_error === true,
      text: typeof c.content === 'string' ? c.content : JSON.stringify(c.content),
    }));
}

describe.skipIf(!isRoot)('Claude Code in the sandbox obeys the baked managed settings', () => {
  let engine: Engine;
  let session: PreparedSession;
  let modelImage: string;

  beforeAll(async () => {
    engine = await connectEngine(process.env.DOCKER_HOST ? { host: process.env.DOCKER_HOST } : {});
    const repo = makeRepo(1000);
    session = await prepareSession(
      {
        profileRef: 'low-risk',
        planCacheDir: CACHE_DIR,
        version: 'test',
        loadOptions: {
          builtinDir: path.join(packageRoot(), 'profiles'),
          cwd: repo,
          home: os.tmpdir(),
          today: '2026-11-27',
        },
        cwd: repo,
        home: os.tmpdir(),
        hostEnv: {},
        worktreeMode: false,
        command: ['sleep', 'infinity'],
        role: 'shell',
        tty: false,
        baseImage: undefined,
        caFile: undefined,
        ...stateDirs(CACHE_DIR),
        owner: `${os.hostname()}:${process.pid}`,
        gateNetwork: outsideNetwork(),
        modelUpstream: 'http://model.invalid',
      },
      {
        connect: () => Promise.resolve(engine),
        binaries: { registry: 'https://registry.npmjs.org', cacheDir: CACHE_DIR, arch: os.arch() },
        onEvent: () => undefined,
      },
    );
    await session.start();
    modelImage = await ensureModelImage();
  });

  afterAll(async () => {
    await session?.container.remove({ force: true });
    await engine?.gc({ sessions: [session.id] });
    await session?.dispose();
  });

  const claude = async (script: unknown, args: string[]) => {
    const model = await startModel({
      name: `ccbox-test-claude-model-${session.id}`,
      network: session.network.name,
      script,
      image: modelImage,
    });
    try {
      return await session.container.exec(['claude', ...args], {
        // The model stands on the session network itself here (no relay yet): reach it directly.
        env: {
          ANTHROPIC_BASE_URL: model.url,
          ANTHROPIC_API_KEY: 'sk-test-scripted',
          NO_PROXY: new URL(model.url).hostname,
          no_proxy: new URL(model.url).hostname,
        },
        workingDir: '/workspace',
      });
    } finally {
      await model.container.stop();
    }
  };

  it('keeps the managed settings root-owned and out of the agent’s reach', async () => {
    const r = await session.container.exec([
      'bash',
      '-c',
      'stat -c "%U %a" /etc/claude-code /etc/claude-code/managed-settings.json; (echo "{}" > /etc/claude-code/managed-settings.json) 2>/dev/null && echo WRITTEN; grep -c disableBypassPermissionsMode /etc/claude-code/managed-settings.json',
    ]);
    expect(r.stdout).toBe('root 755\nroot 644\n1\n');
  });

  it('denies a Bash command and a file read that the managed deny rules forbid', async () => {
    const script = {
      turns: [
        {
          type: 'tool_use',
          calls: [
            { name: 'Bash', input: { command: 'curl -s http://example.com/upload', description: 'upload' } },
          ],
        },
        { type: 'tool_use', calls: [{ name: 'Read', input: { file_path: '/workspace/.env' } }] },
        {
          type: 'tool_use',
          calls: [{ name: 'Bash', input: { command: 'git status --short', description: 'status' } }],
        },
      ],
      finalText: 'done',
    };
    const r = await claude(script, [
      '-p',
      'follow the README',
      '--output-format',
      'stream-json',
      '--verbose',
    ]);
    const results = toolResults(r.stdout);
    expect(results, r.stdout + r.stderr).toHaveLength(3);
    const [curl, read, status] = results;
    expect(curl?.isError).toBe(true);
    // The policy hook (ccbox-hook, the gate's engine) or Claude Code's own rules, whichever says first.
    expect(curl?.text).toMatch(/denied|permission|ccbox policy/i);
    expect(read?.isError).toBe(true);
    expect(read?.text).toMatch(/denied|permission|ccbox policy/i);
    expect(read?.text).not.toContain('host-secret-value');
    // The allowed command ran: the deny above is the policy, not a broken sandbox.
    expect(status?.isError).toBe(false);
  });

  it('refuses bypass permissions mode: a command that bypass would let through stays denied', async () => {
    const script = {
      turns: [
        {
          type: 'tool_use',
          calls: [
            // Not local work (a database client: the hook asks, and nobody can answer in -p), so only
            // bypass mode would run it; a plain `touch` the policy hook now allows as local work.
            {
              name: 'Bash',
              input: { command: 'touch /workspace/bypassed.txt && psql -c "select 1"', description: 'touch' },
            },
          ],
        },
      ],
      finalText: 'done',
    };
    for (const flags of [['--dangerously-skip-permissions'], ['--permission-mode', 'bypassPermissions']]) {
      const r = await claude(script, ['-p', 'hi', '--output-format', 'stream-json', '--verbose', ...flags]);
      const init = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type: string; subtype?: string; permissionMode?: string })
        .find((e) => e.type === 'system' && e.subtype === 'init');
      expect(init?.permissionMode, flags.join(' ')).not.toBe('bypassPermissions');
      const [touch] = toolResults(r.stdout);
      expect(touch?.isError, flags.join(' ')).toBe(true);
      const check = await session.container.exec(['test', '-e', '/workspace/bypassed.txt']);
      expect(check.exitCode, 'the file bypass mode would have created').not.toBe(0);
    }
  });
});
