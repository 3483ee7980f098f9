import { mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { minimalHostEnv, PROXY_ENV, runHostCommand } from '../host/command.js';
import type { ErrorCode } from '../error-codes.js';
import { ExitCodes } from '../exit-codes.js';
import { LABEL_BASE, type Engine } from '../engine/engine.js';
import { normalizeMirror } from './debian-mirror.js';
import {
  DEBIAN_ARCHIVE_KEYRING,
  requireKeyring,
  unverifiedMirrorError,
  verifiedDebootstrapArgs,
  verifiedReleaseDigest,
} from './debian-verify.js';

/** The tag `ccbox image base` produces and agent images build FROM. */
export const DEFAULT_BASE_IMAGE = 'ccbox/base:bookworm';

const KILL_GRACE_MS = 10_000;

export interface BuildBaseImageOptions {
  engine: Engine;
  /** Debian archive URL (see findDebianMirror). */
  mirror: string;
  suite?: string;
  tag?: string;
  signal?: AbortSignal;
  onLog?: (line: string) => void;
  /** Effective uid of this process; default process.getuid(). debootstrap needs 0. */
  uid?: number;
  /** The debootstrap executable; default `debootstrap` from PATH. */
  debootstrap?: string;
  /** Parent of the temporary rootfs; default the OS temp directory. */
  workDir?: string;
  /** The keyring the mirror's Release signature must verify against; default Debian's archive keyring. */
  keyring?: string;
}

/** The label holding the SHA-256 of the Release file debootstrap verified. */
export const LABEL_BASE_RELEASE = 'dev.ccbox.base.release-sha256';

function buildError(
  message: string,
  options: { code: ErrorCode; hint?: string; details?: string[]; cause?: unknown },
): CcboxError {
  return new CcboxError(message, { exitCode: ExitCodes.imageBuildFailed, ...options });
}

/** Mount points at or under `dir` (deepest first), from /proc/self/mountinfo. */
async function mountsUnder(given: string): Promise<string[]> {
  const dir = await realpath(given).catch(() => given);
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const unescape = (s: string): string =>
    s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  return info
    .split('\n')
    .map((line) => unescape(line.split(' ')[4] ?? ''))
    .filter((mp) => mp === dir || mp.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

async function run(command: string, args: readonly string[]): Promise<number> {
  const r = await runHostCommand(command, args, {
    env: minimalHostEnv(process.env),
    timeoutMs: 60_000,
  }).catch(() => undefined);
  return r?.code ?? -1;
}

/**
 * Removes the temporary rootfs. Why the mount check: debootstrap mounts proc and sysfs (and, in some
 * containers, binds /dev) inside the target; a recursive delete through a leftover mount would delete
 * host files. Anything still mounted is unmounted first; if that fails the directory is left in place.
 */
async function removeRootfs(dir: string, log: (line: string) => void): Promise<void> {
  for (const mp of await mountsUnder(dir)) {
    if ((await run('umount', [mp])) !== 0) await run('umount', ['-l', mp]);
  }
  const left = await mountsUnder(dir);
  if (left.length > 0) {
    log(`not removing ${dir}: still mounted at ${left.join(', ')}`);
    return;
  }
  await rm(dir, { recursive: true, force: true });
}

/** Runs debootstrap with an argv array; ends its whole process group on abort. Rejects on failure. */
async function debootstrap(
  executable: string,
  args: readonly string[],
  signal: AbortSignal | undefined,
  log: (line: string) => void,
  verify: { mirror: string; keyring: string },
): Promise<void> {
  const tail: string[] = [];
  const r = await runHostCommand(executable, args, {
    env: minimalHostEnv(process.env, PROXY_ENV),
    // An hour: a slow mirror is slow, but a hung debootstrap must still end.
    timeoutMs: 3_600_000,
    signal,
    // Why a group: debootstrap runs wget, dpkg and chroot children; abort must stop all of them.
    group: true,
    killGraceMs: KILL_GRACE_MS,
    onLine: (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      log(line);
    },
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT')
      throw buildError(`debootstrap is not installed (${executable} not found)`, {
        code: 'DEBOOTSTRAP_MISSING',
        hint: 'Install it with `apt-get install debootstrap`, or import a Debian image as ccbox/base:bookworm yourself.',
        cause: err,
      });
    throw buildError(`Could not run debootstrap: ${err.message}`, { code: 'DEBOOTSTRAP_FAILED', cause: err });
  });
  if (signal?.aborted)
    throw new CcboxError('Building the base image was cancelled', {
      code: 'ABORTED',
      exitCode: ExitCodes.interrupted,
    });
  if (r.code !== 0) {
    const unverified = unverifiedMirrorError(verify.mirror, verify.keyring, tail);
    if (unverified !== null) throw unverified;
  }
  if (r.code !== 0)
    throw buildError(`debootstrap failed (${r.signal ? `signal ${r.signal}` : `exit ${r.code}`})`, {
      code: 'DEBOOTSTRAP_FAILED',
      hint: 'Check that the mirror is reachable and serves the suite; the last lines of its output are above.',
      details: tail,
    });
}

/**
 * Trims what the image must not carry: the host's hostname and resolver (debootstrap copies them in;
 * the engine provides its own at run time) and apt caches that only add size.
 */
async function tidyRootfs(root: string): Promise<void> {
  await rm(path.join(root, 'etc/hostname'), { force: true });
  await writeFile(path.join(root, 'etc/resolv.conf'), '');
  for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    const names = await readdir(path.join(root, dir)).catch(() => [] as string[]);
    for (const name of names) {
      if (name === 'partial' || name === 'lock') continue;
      await rm(path.join(root, dir, name), { force: true, recursive: true });
    }
  }
}

/**
 * Builds the Debian base image from a mirror: `debootstrap --variant=minbase` into a temporary
 * directory, then streams it as a tar into the engine (no registry involved). The temporary directory
 * is removed whatever happens.
 */
export async function buildBaseImage(
  options: BuildBaseImageOptions,
): Promise<{ imageId: string; tag: string }> {
  const suite = options.suite ?? 'bookworm';
  const tag = options.tag ?? DEFAULT_BASE_IMAGE;
  const log = options.onLog ?? (() => undefined);
  // Why validate: both end up as debootstrap arguments and a suite is only ever a codename.
  if (!/^[a-z][a-z0-9-]*$/.test(suite)) {
    throw new CcboxError(`Not a Debian suite: ${suite}`, {
      code: 'SUITE_INVALID',
      exitCode: ExitCodes.invalidInput,
    });
  }
  const mirror = normalizeMirror(options.mirror);
  const uid = options.uid ?? process.getuid?.() ?? -1;
  if (uid !== 0) {
    throw buildError('Building the base image needs root (debootstrap creates device nodes and chroots)', {
      code: 'BASE_NEEDS_ROOT',
      hint: 'Run `sudo ccbox image base`, or import a Debian rootfs as ccbox/base:bookworm yourself.',
    });
  }
  const keyring = options.keyring ?? DEBIAN_ARCHIVE_KEYRING;
  await requireKeyring(keyring);
  options.signal?.throwIfAborted();
  const work = await mkdtemp(path.join(options.workDir ?? tmpdir(), 'ccbox-base-'));
  const rootfs = path.join(work, 'rootfs');
  try {
    // Why --force-check-gpg: without it debootstrap only warns when it cannot check a signature.
    const args = ['--variant=minbase', ...verifiedDebootstrapArgs(keyring), suite, rootfs, mirror];
    log(`debootstrap ${args.join(' ')}`);
    await debootstrap(options.debootstrap ?? 'debootstrap', args, options.signal, log, { mirror, keyring });
    const release = await verifiedReleaseDigest(rootfs, mirror, suite);
    log(`verified Release of ${suite}: sha256 ${release}`);
    await tidyRootfs(rootfs);
    log(`importing the root filesystem as ${tag}`);
    const { imageId } = await options.engine.importRootfs({
      source: { directory: rootfs },
      tag,
      labels: {
        [LABEL_BASE]: '1',
        'dev.ccbox.base.suite': suite,
        'dev.ccbox.base.mirror': mirror,
        [LABEL_BASE_RELEASE]: release,
      },
      changes: [
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'ENV LANG=C.UTF-8',
        'CMD ["/bin/bash"]',
      ],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { imageId, tag };
  } finally {
    await removeRootfs(work, log);
  }
}
