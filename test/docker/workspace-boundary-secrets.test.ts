import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot, makeRepo } from './cli.js';
import { OWNER, ownerGitOk, ownerWrite } from './workspace-fixtures.js';
import { shellSession, startedSteps } from './workspace-session.js';

// Issue 15, point 6: a secret the repository tracks is in the history the agent can read
// (`git show HEAD:.env`) however well its working file is masked. Strict tiers refuse to start; the
// others warn. Either way before anything exists.

/** makeRepo's .env (a secret path in every tier), committed. */
function repoTracking(): string {
  const repo = makeRepo(OWNER);
  ownerGitOk(repo, 'add', '-f', '.env');
  ownerGitOk(repo, 'commit', '-qm', 'oops, secrets');
  return repo;
}

const READ_HISTORY = 'git show HEAD:.env; echo "STA""RTED"';

describe.skipIf(!isRoot)('workspace boundary: secrets git tracks', () => {
  it.each(['regulated', 'privileged-infra'])(
    '%s refuses a tracked .env with exit 2 before anything is started, naming it and the fix',
    async (profile) => {
      const repo = repoTracking();
      const r = await shellSession(repo, READ_HISTORY, { profile, watch: true });
      expect(r.run.code, r.text).toBe(2);
      expect(r.run.stderr).toMatch(/(^|[^\w.])\.env([^\w.]|$)/m);
      expect(r.run.stderr).toMatch(/history|exception/i);
      expect(r.text).not.toContain('STARTED');
      expect(r.text).not.toContain('host-secret-value-123');
      expect(startedSteps(r.out)).toEqual([]);
      expect(r.created).toEqual([]);
    },
  );

  it('regulated refuses any tracked secret path, not only .env: a key file deeper in the tree', async () => {
    const repo = makeRepo(OWNER);
    ownerWrite(repo, 'config/deploy.pem', '-----BEGIN PRIVATE KEY-----\nFAKE-PEM-BODY\n');
    ownerGitOk(repo, 'add', 'config/deploy.pem');
    ownerGitOk(repo, 'commit', '-qm', 'oops, a key');
    const r = await shellSession(repo, 'git show HEAD:config/deploy.pem; echo "STA""RTED"', { watch: true });
    expect(r.run.code, r.text).toBe(2);
    expect(r.run.stderr).toContain('config/deploy.pem');
    expect(r.text).not.toContain('FAKE-PEM-BODY');
    expect(r.created).toEqual([]);
  });

  it.each(['low-risk', 'production-adjacent'])('%s warns about a tracked .env and runs', async (profile) => {
    const repo = repoTracking();
    const r = await shellSession(repo, 'echo "STA""RTED"', { profile });
    expect(r.run.code, r.text).toBe(0);
    expect(r.text).toContain('STARTED');
    expect(r.run.stderr).toMatch(/(^|[^\w.])\.env([^\w.]|$)/m);
  });

  it('regulated starts with a tracked .env an exception with that path allows (and says so)', async () => {
    const repo = repoTracking();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ccbox-exc-'));
    const expires = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    writeFileSync(
      path.join(dir, 'p.yaml'),
      `name: regulated-legacy\nextends: regulated\nexceptions:\n  - path: .env\n    owner: sec-team\n    reason: fixture secret, rotated\n    expires: ${expires}\n`,
    );
    const r = await shellSession(repo, 'echo "STA""RTED"', { profile: path.join(dir, 'p.yaml') });
    expect(r.run.code, r.text).toBe(0);
    expect(r.text).toContain('STARTED');
    expect(r.run.stderr).toMatch(/\.env; allowed by an exception/);
  });
});
