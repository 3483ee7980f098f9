import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

// `ccbox run` checks what it can before it touches the engine: a session that could only fail later
// (Claude Code's first request refused for want of a key) is refused up front with exit 2.

describe('ccbox run without a model key', () => {
  it('exits 2, names the variable and how to set it, and never reaches the engine', async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'ccbox-run-'));
    // An engine address nothing answers on: if the check came after the engine step, this would be exit 3.
    const env = { CCBOX_CACHE_DIR: cache, DOCKER_HOST: `unix://${path.join(cache, 'no-engine.sock')}` };
    const r = await runCli(['run', '--plain', '--profile', 'low-risk'], { env, cwd: cache });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ANTHROPIC_API_KEY is not set, so the gate has no model key to add');
    expect(r.stderr).toMatch(/hint: export ANTHROPIC_API_KEY=… where you run ccbox/);
    expect(r.stderr).not.toMatch(/✓ (worktree|engine)/);
  });

  it('does not ask for a key for `ccbox shell`, which runs no Claude Code', async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'ccbox-run-'));
    const env = { CCBOX_CACHE_DIR: cache, DOCKER_HOST: `unix://${path.join(cache, 'no-engine.sock')}` };
    const r = await runCli(['shell', '--plain', '--profile', 'low-risk', '--', 'true'], { env, cwd: cache });
    expect(r.stderr).not.toContain('ANTHROPIC_API_KEY');
    expect(r.code).toBe(2); // the temporary directory is no git repository: the worktree step refuses it
    expect(r.stderr).toMatch(/not inside a git repository/);
  });
});
