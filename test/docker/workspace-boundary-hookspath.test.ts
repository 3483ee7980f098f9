import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot, makeRepo } from './cli.js';
import { markers, OWNER, ownerGitOk, ownerWrite, probeHost, q, worktreeTree } from './workspace-fixtures.js';
import { attempt, escapes, shellSession } from './workspace-session.js';

// Issue 15, point 4: whatever core.hooksPath names runs on the host at the owner's next commit, so it
// is read-only in every tier whether or not the profile lists it. `.husky` is listed by low-risk;
// `.githooks` and `tools/git-hooks` are listed by no profile, only by what the repository configures.

describe.skipIf(!isRoot)('workspace boundary: the core.hooksPath directory', () => {
  it.each(['.husky', '.githooks', 'tools/git-hooks'])(
    'core.hooksPath=%s: the agent cannot change, add, disable or swap a hook; host git commit runs only the owner’s',
    async (hooksPath) => {
      const repo = makeRepo(OWNER);
      const m = markers();
      // The owner's own hook marks that it ran: proof that host `git commit` does run this directory.
      const own = markers();
      ownerWrite(repo, `${hooksPath}/pre-commit`, own.hook('pre-commit'), 0o755);
      ownerGitOk(repo, 'add', hooksPath);
      ownerGitOk(repo, 'commit', '-qm', 'hooks');
      ownerGitOk(repo, 'config', 'core.hooksPath', hooksPath);
      const configBefore = readFileSync(path.join(repo, '.git/config'));
      const files = worktreeTree(repo);
      const hook = `${hooksPath}/pre-commit`;
      const top = hooksPath.split('/')[0] ?? hooksPath;
      const r = await shellSession(
        repo,
        [
          attempt('append', `echo ${q(`touch ${m.file('appended')}`)} >> ${hook}`),
          attempt('overwrite', `printf '%s' ${q(m.hook('overwritten'))} > ${hook}`),
          attempt(
            'new-hook',
            `printf '%s' ${q(m.hook('new-post-commit'))} > ${hooksPath}/post-commit && chmod +x ${hooksPath}/post-commit`,
          ),
          attempt('disable', `chmod -x ${hook}`),
          attempt('rm', `rm -f ${hook}`),
          `if ${attempt('swap', `mv ${hooksPath} ${hooksPath}.old`)}; then`,
          `  mkdir -p ${hooksPath} && printf '%s' ${q(m.hook('swapped'))} > ${hook} && chmod +x ${hook}`,
          'fi',
          ...(top !== hooksPath ? [attempt('swap-parent', `mv ${top} ${top}.old`)] : []),
          // Pointing core.hooksPath elsewhere from inside may succeed: the session's config is not the host's.
          'git config core.hooksPath .evilhooks',
          `mkdir -p .evilhooks && printf '%s' ${q(m.hook('evilhooks'))} > .evilhooks/pre-commit && chmod +x .evilhooks/pre-commit`,
          'echo tried',
        ].join('\n'),
      );
      expect(r.text).toContain('tried');
      expect(escapes(r.text)).toEqual([]);
      expect(worktreeTree(repo, /^\.evilhooks$/)).toEqual(files);
      expect(readFileSync(path.join(repo, '.git/config'))).toEqual(configBefore);
      const probe = probeHost(repo);
      expect(own.fired(), probe.log).toEqual(['pre-commit']);
      expect(m.fired(), probe.log).toEqual([]);
      expect(probe.failed, probe.log).toEqual([]);
    },
  );
});
