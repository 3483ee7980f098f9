import { describe, expect, it } from 'vitest';
import { createReporter } from '../../../src/ui/reporter.js';
import { formatDuration, oneLine, withDuration } from '../../../src/ui/format.js';
import { capture } from './capture.js';
import { failedEvents, upEvents } from './events.js';

const flush = () => new Promise((r) => setImmediate(r));

describe('plain reporter', () => {
  it('prints one line per finished step, build steps and warnings, on stderr only', async () => {
    const stderr = capture();
    const stdout = capture();
    const r = await createReporter({ mode: 'plain', stderr, stdout });
    for (const e of upEvents()) r.onEvent(e);
    await r.release();
    r.onEvent({ type: 'exited', session: 's1a2b', exitCode: 0, at: 12 });
    r.onEvent({ type: 'cleaned', session: 's1a2b', removed: ['container c1', 'network n1'], at: 13 });
    r.finish({ exitCode: 0, session: 's1a2b' });
    await flush();
    expect(stderr.text().split('\n')).toEqual([
      '! exception "x" expires in 3 days',
      '✓ profile  low-risk (policy 9f3c, 12ms)',
      '✓ engine  docker 20.10.24 (130ms)',
      '  Step 3/9 : RUN apt-get update',
      '✓ image  ccbox/agent:low-risk-1a2b (built, 41.2s)',
      '✓ container (300ms)',
      '✓ ready  profile low-risk · policy 9f3c · session s1a2b',
      '· session s1a2b exited with code 0',
      '✓ cleanup  removed container c1, network n1',
      '',
    ]);
    expect(stdout.text()).toBe('');
  });

  it('reports a failed step and the final error, without colours when stderr is no TTY', async () => {
    const stderr = capture();
    const stdout = capture();
    const r = await createReporter({ mode: 'plain', stderr, stdout });
    for (const e of failedEvents()) r.onEvent(e);
    r.finish({
      exitCode: 3,
      error: { code: 'ENGINE_UNAVAILABLE', message: 'no engine', hint: 'start Docker' },
    });
    r.finish({ exitCode: 3, error: { code: 'X', message: 'second finish is ignored' } });
    await flush();
    const text = stderr.text();
    expect(text).toBe(
      [
        '✓ profile  low-risk (policy 9f3c, 12ms)',
        '✗ engine  connect ENOENT /var/run/docker.sock (5ms)',
        '✗ no engine',
        '  hint: start Docker',
        '',
      ].join('\n'),
    );
    expect(text).not.toContain('\u001b');
    expect(stdout.text()).toBe('');
  });

  it('colours lines when stderr is a TTY, and falls back to plain for ink without a TTY', async () => {
    const tty = capture(true);
    const r = await createReporter({ mode: 'plain', stderr: tty, stdout: capture() });
    for (const e of failedEvents()) r.onEvent(e);
    const pipe = capture();
    const r2 = await createReporter({ mode: 'ink', stderr: pipe, stdout: capture() });
    for (const e of failedEvents()) r2.onEvent(e);
    await flush();
    expect(tty.text()).toContain('\u001b[31m✗\u001b[39m engine');
    expect(pipe.text()).toContain('✗ engine  connect ENOENT');
    expect(pipe.text()).not.toContain('\u001b');
  });

  it('never lets event text drive the terminal or forge a line', async () => {
    const stderr = capture();
    const r = await createReporter({ mode: 'plain', stderr, stdout: capture() });
    r.onEvent({ type: 'warning', text: 'evil\u001b]0;pwned\u0007\n✓ image  fake\u001b[2J', at: 0 });
    await flush();
    expect(stderr.text()).toBe('! evil ✓ image  fake\n');
  });
});

describe('json reporter', () => {
  it('prints exactly one JSON line on stdout and only warnings and failures on stderr', async () => {
    const stderr = capture(true);
    const stdout = capture();
    const r = await createReporter({ mode: 'json', stderr, stdout });
    for (const e of upEvents()) r.onEvent(e);
    await r.release();
    r.onEvent({ type: 'exited', session: 's1a2b', exitCode: 0, at: 12 });
    r.finish({ exitCode: 0, session: 's1a2b' });
    r.finish({ exitCode: 1 });
    await flush();
    expect(stderr.text()).toBe('! exception "x" expires in 3 days\n');
    const lines = stdout.text().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      ok: true,
      exitCode: 0,
      session: 's1a2b',
      profile: 'low-risk',
      policyVersion: '9f3c',
      image: 'ccbox/agent:low-risk-1a2b',
      worktree: '/repo',
      steps: [
        { step: 'profile', title: 'profile', ms: 12, detail: 'low-risk (policy 9f3c)' },
        { step: 'engine', title: 'engine', ms: 130, detail: 'docker 20.10.24' },
        { step: 'image', title: 'image', ms: 41_234, detail: 'ccbox/agent:low-risk-1a2b (built)' },
        { step: 'container', title: 'container', ms: 300, detail: null },
      ],
      git: null,
      leftovers: [],
      controlChanges: [],
    });
  });

  it('reports a failed step and the error in the outcome', async () => {
    const stderr = capture();
    const stdout = capture();
    const r = await createReporter({ mode: 'json', stderr, stdout });
    for (const e of failedEvents()) r.onEvent(e);
    r.finish({
      exitCode: 3,
      error: { code: 'ENGINE_UNAVAILABLE', message: 'no engine', hint: 'start Docker' },
    });
    await flush();
    expect(stderr.text()).toBe(
      '✗ engine  connect ENOENT /var/run/docker.sock (5ms)\n✗ no engine\n  hint: start Docker\n',
    );
    const out = stdout.text();
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(out)).toEqual({
      ok: false,
      exitCode: 3,
      session: null,
      profile: null,
      policyVersion: null,
      image: null,
      worktree: null,
      steps: [
        { step: 'profile', title: 'profile', ms: 12, detail: 'low-risk (policy 9f3c)' },
        {
          step: 'engine',
          title: 'engine',
          ms: 5,
          detail: null,
          error: 'connect ENOENT /var/run/docker.sock',
        },
      ],
      git: null,
      leftovers: [],
      controlChanges: [],
      error: { code: 'ENGINE_UNAVAILABLE', message: 'no engine', hint: 'start Docker' },
    });
  });

  it('is not ok when the program exited non-zero', async () => {
    const stdout = capture();
    const r = await createReporter({ mode: 'json', stderr: capture(), stdout });
    r.finish({ exitCode: 1, session: 'sx' });
    await flush();
    expect(JSON.parse(stdout.text())).toMatchObject({ ok: false, exitCode: 1, session: 'sx', steps: [] });
  });
});

describe('the end of a session at the workspace boundary', () => {
  const git = {
    startBranch: 'main',
    startCommit: 'a'.repeat(40),
    commits: 2,
    landedOn: 'main',
    head: 'b'.repeat(40),
    unstaged: false,
    kept: null,
    otherBranches: [],
  };
  const leftover = {
    path: 'sub/.git',
    kind: 'git-dir' as const,
    action: 'renamed to sub/.git.ccbox-inert-s1',
  };

  it('plain: a line for the landing, one per leftover and per changed control path', async () => {
    const stderr = capture();
    const r = await createReporter({ mode: 'plain', stderr, stdout: capture() });
    r.onEvent({ type: 'landed', git, at: 1 });
    r.onEvent({ type: 'landed', git: { ...git, landedOn: 'ccbox/s1', unstaged: true }, at: 2 });
    r.onEvent({ type: 'leftover', leftover, at: 3 });
    r.onEvent({
      type: 'leftover',
      leftover: { path: 'out', kind: 'symlink', target: '/etc', action: 'removed' },
      at: 4,
    });
    r.onEvent({ type: 'control-changed', path: '.vscode', at: 5 });
    r.finish({ exitCode: 0 });
    await flush();
    expect(stderr.text().split('\n')).toEqual([
      '✓ git  2 commits landed on main',
      '! git  2 commits landed on ccbox/s1 (main moved on the host or was rewritten); your staged changes were unstaged (still in the working tree)',
      '! leftover  sub/.git (git-dir): renamed to sub/.git.ccbox-inert-s1',
      '! leftover  out (symlink -> /etc): removed',
      '! control path changed during the session: .vscode',
      '',
    ]);
  });

  it('json: the outcome carries git, leftovers and control changes; leftovers also reach stderr', async () => {
    const stderr = capture();
    const stdout = capture();
    const r = await createReporter({ mode: 'json', stderr, stdout });
    r.onEvent({ type: 'landed', git, at: 1 });
    r.onEvent({ type: 'leftover', leftover, at: 2 });
    r.onEvent({ type: 'control-changed', path: '.vscode', at: 3 });
    r.finish({ exitCode: 0, session: 's1' });
    await flush();
    expect(JSON.parse(stdout.text())).toMatchObject({
      git,
      leftovers: [leftover],
      controlChanges: ['.vscode'],
    });
    expect(stderr.text()).toContain('leftover  sub/.git');
  });
});

describe('format', () => {
  it('formats durations and folds them into a trailing parenthesis', () => {
    expect(formatDuration(12)).toBe('12ms');
    expect(formatDuration(41_234)).toBe('41.2s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(withDuration('tag (built)', 41_234)).toBe('tag (built, 41.2s)');
    expect(withDuration('tag', 1500)).toBe('tag (1.5s)');
    expect(oneLine(' a\tb\r\nc\u009bd ')).toBe('a b c d');
  });
});
