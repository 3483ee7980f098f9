import path from 'node:path';

/**
 * Host locations that hold credentials. Why: mounting any of these (or a directory that contains one,
 * such as a home directory) hands the agent long-lived secrets, the exact thing ccbox exists to prevent.
 * Paths are relative to a home directory unless absolute.
 */
export const CREDENTIAL_STORES = [
  '.ssh',
  '.aws',
  '.azure',
  '.kube',
  '.docker',
  '.gnupg',
  '.config/gcloud',
  '.config/gh',
  '.config/hub',
  '.config/op',
  '.config/containers',
  '.npmrc',
  '.yarnrc',
  '.pypirc',
  '.netrc',
  '.git-credentials',
  '.gitconfig',
  '.claude',
  '.claude.json',
  '.terraform.d',
  '.vault-token',
  '.password-store',
  '.local/share/keyrings',
] as const;

/** Absolute locations that are credential stores or engine sockets on any machine. */
export const ABSOLUTE_CREDENTIAL_PATHS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/run/podman',
  '/run/containerd',
  '/var/run/secrets',
  '/run/secrets',
  '/etc/ssh',
  '/etc/shadow',
  '/etc/sudoers',
  '/etc/claude-code',
  '/root',
] as const;

/** Directories that contain home directories (mounting them reaches every user's stores). */
const HOME_PARENTS = ['/home', '/Users'];

/**
 * Does `p` reach a credential store: is it one, lie inside one, or contain one?
 * `home` is the user's home directory (the caller passes it in; `~` in `p` is expanded against it).
 */
export function reachesCredentialStore(p: string, home: string): string | null {
  const expanded = expandHome(p, home);
  const abs = path.posix.normalize(expanded);
  const homeNorm = path.posix.normalize(home);
  const stores = [
    ...CREDENTIAL_STORES.map((s) => path.posix.join(homeNorm, s)),
    ...ABSOLUTE_CREDENTIAL_PATHS,
  ];
  for (const store of stores) {
    if (abs === store || abs.startsWith(`${store}/`)) return store;
    if (store.startsWith(abs === '/' ? '/' : `${abs}/`)) return store;
  }
  // Any home directory (or its parent) contains credential stores even if this user's are elsewhere.
  const segs = abs.split('/').filter(Boolean);
  if (segs.length <= 2 && HOME_PARENTS.includes(`/${segs[0] ?? ''}`)) return `${abs} (a home directory)`;
  // A credential store name anywhere in the path, e.g. /mnt/backup/alice/.ssh.
  for (const seg of segs) {
    if (CREDENTIAL_STORES.some((s) => !s.includes('/') && s === seg)) return seg;
  }
  return null;
}

/** `~`, `~/x` and `$HOME/x` against the given home. */
export function expandHome(p: string, home: string): string {
  if (p === '~' || p === '$HOME') return home;
  if (p.startsWith('~/')) return path.posix.join(home, p.slice(2));
  if (p.startsWith('$HOME/')) return path.posix.join(home, p.slice(6));
  return p;
}
