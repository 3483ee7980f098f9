import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { writeProfiles } from './helpers.js';

// paths.trackedSecrets and exceptions with a `path` (the CLI runs with today = 2026-11-27).
async function validate(text: string) {
  const dir = writeProfiles({ 'c.yaml': text });
  return runCli(['profiles', 'validate', '--strict', 'c.yaml'], { cwd: dir });
}

describe('paths.trackedSecrets', () => {
  it('a child cannot relax refuse to warn', async () => {
    const r = await validate('name: c\nextends: regulated\npaths:\n  trackedSecrets: warn\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /c\.yaml:4: paths\.trackedSecrets: a child cannot relax what its parent refuses/,
    );
  });

  it('a child may tighten warn to refuse, and an exception allows one tracked path', async () => {
    expect((await validate('name: c\nextends: low-risk\npaths:\n  trackedSecrets: refuse\n')).code).toBe(0);
    const ok = await validate(
      'name: c\nextends: regulated\nexceptions:\n  - path: config/test.env\n    owner: sec\n    reason: rotated fixture\n    expires: 2026-12-20\n',
    );
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  });

  it('an exception path is one literal worktree path, and an exception relaxes exactly one thing', async () => {
    const glob = await validate(
      'name: c\nextends: regulated\nexceptions:\n  - path: "**/.env"\n    owner: sec\n    reason: r\n    expires: 2026-12-20\n',
    );
    expect(glob.code).toBe(2);
    expect(glob.stderr).toMatch(/exceptions\[0\]\.path: names one tracked file/);
    const two = await validate(
      'name: c\nextends: regulated\nexceptions:\n  - path: .env\n    egressHost: example.com\n    owner: sec\n    reason: r\n    expires: 2026-12-20\n',
    );
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/set one of rule, egressHost or path/);
  });

  it('profiles diff marks refuse → warn as a weakening', async () => {
    const dir = writeProfiles({});
    const r = await runCli(['profiles', 'diff', 'regulated', 'low-risk'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/WEAKENS - container\.trackedSecrets: refuse/);
  });
});
