import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCcboxError } from '../../../src/errors.js';
import { loadScenarios } from '../../../src/verify/scenarios.js';

const dirWith = (files: Record<string, string>): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccbox-scenarios-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
};
const failure = (fn: () => unknown): { code: string; exitCode: number; message: string } => {
  try {
    fn();
  } catch (err) {
    if (isCcboxError(err)) return { code: err.code, exitCode: err.exitCode, message: err.message };
    throw err;
  }
  throw new Error('expected a failure');
};

describe('verify scenarios', () => {
  it('ships valid scenarios covering every boundary', () => {
    const all = loadScenarios([], []);
    expect(all.length).toBeGreaterThanOrEqual(15);
    expect(new Set(all.map((s) => s.boundary))).toEqual(
      new Set(['tool', 'file', 'network', 'workspace', 'release']),
    );
  });

  it("adds a team's own scenarios and selects by name", () => {
    const dir = dirWith({
      'mine.yaml':
        'name: team-case\ntitle: ours\nboundary: tool\nsteps: [{tool: Bash, input: {command: "git push"}}]\nexpect: blocked\n',
    });
    expect(loadScenarios([dir], ['team-case', 'git-push']).map((s) => s.name)).toEqual([
      'team-case',
      'git-push',
    ]);
  });

  it('names the file and the field of a bad scenario (exit 2), never its content', () => {
    const dir = dirWith({
      'bad.yaml':
        'name: Bad Name\ntitle: t\nboundary: moon\nsteps: []\nexpect: blocked\nsecret: sk-ant-api03-dontechome\n',
    });
    const f = failure(() => loadScenarios([dir], []));
    expect(f).toMatchObject({ code: 'SCENARIO_INVALID', exitCode: 2 });
    expect(f.message).toContain('bad.yaml');
    expect(f.message).toMatch(/name:.*boundary:.*steps:/s);
    expect(f.message).not.toContain('dontechome');
  });

  it('refuses a canary no file holds (its absence would prove nothing)', () => {
    const dir = dirWith({
      'c.yaml':
        'name: c\ntitle: t\nboundary: file\nsteps: [{tool: Read, input: {file_path: /workspace/.env}}]\nexpect: blocked\nevidence: {canary: ccbox-canary-nowhere}\n',
    });
    expect(failure(() => loadScenarios([dir], [])).message).toContain('evidence.canary');
  });

  it('an unknown --scenario or a duplicate name is exit 2', () => {
    expect(failure(() => loadScenarios([], ['no-such-case']))).toMatchObject({
      code: 'SCENARIO_NOT_FOUND',
      exitCode: 2,
    });
    const dir = dirWith({
      'dup.yaml':
        'name: git-push\ntitle: t\nboundary: release\nsteps: [{tool: Bash, input: {command: x}}]\nexpect: blocked\n',
    });
    expect(failure(() => loadScenarios([dir], [])).message).toContain('already taken');
  });
});
