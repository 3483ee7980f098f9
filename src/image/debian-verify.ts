import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';

/** The Debian archive keyring debootstrap checks Release signatures against (package debian-archive-keyring). */
export const DEBIAN_ARCHIVE_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

const KEYRING_HINT =
  'Install it with `apt-get install debian-archive-keyring` (on Debian and Ubuntu), or pass the keyring that signs your mirror.';

/**
 * Fails unless the keyring is a readable file. Why required: without a keyring debootstrap only warns
 * and installs packages nobody verified; ccbox never builds a base image it cannot check.
 */
export async function requireKeyring(keyring: string): Promise<void> {
  try {
    await access(keyring, constants.R_OK);
  } catch (cause) {
    throw new CcboxError(`the Debian archive keyring ${keyring} is not readable`, {
      code: 'KEYRING_MISSING',
      exitCode: ExitCodes.imageBuildFailed,
      hint: KEYRING_HINT,
      cause,
    });
  }
}

/** Whether the keyring is present, for `ccbox doctor`: a problem line with its fix, or null. */
export async function keyringProblem(
  keyring = DEBIAN_ARCHIVE_KEYRING,
): Promise<{ detail: string; hint: string } | null> {
  try {
    await access(keyring, constants.R_OK);
    return null;
  } catch {
    return {
      detail: `${keyring} is missing: \`ccbox image base\` cannot verify a mirror`,
      hint: KEYRING_HINT,
    };
  }
}

/** The debootstrap arguments that make a signature check mandatory (abort, never warn). */
export function verifiedDebootstrapArgs(keyring: string): string[] {
  return [`--keyring=${keyring}`, '--force-check-gpg'];
}

// debootstrap's own messages when a Release file cannot be verified (functions: read_gpg_status,
// download_release_sig). Why match them: its exit status is 1 for every failure alike.
const UNVERIFIED =
  /Invalid Release signature|Release signed by unknown key|Failed getting release signature|Error executing gpgv|Release file .* not signed|Cannot check Release signature/;

/**
 * The CcboxError for a debootstrap failure: `mirror-unverified` (exit 4, with debootstrap's reason)
 * when its output says the Release file failed verification, else null.
 */
export function unverifiedMirrorError(
  mirror: string,
  keyring: string,
  lines: readonly string[],
): CcboxError | null {
  const reason = lines.find((line) => UNVERIFIED.test(line));
  if (reason === undefined) return null;
  return new CcboxError(`the mirror ${mirror} could not be verified: ${reason.replace(/^E: /, '')}`, {
    code: 'MIRROR_UNVERIFIED',
    exitCode: ExitCodes.imageBuildFailed,
    hint: `Its Release file must carry a valid signature by a key in ${keyring}. Use a Debian mirror you trust (CCBOX_DEBIAN_MIRROR or --mirror); nothing was installed.`,
    details: [...lines],
  });
}

/**
 * The SHA-256 of the Release file debootstrap verified and kept in the target (apt_dest's naming:
 * `<mirror without scheme, / as _>_dists_<suite>_Release`). Why: the image label says exactly which
 * archive state it was built from.
 */
export async function verifiedReleaseDigest(rootfs: string, mirror: string, suite: string): Promise<string> {
  const name = `${mirror}_dists/${suite}/Release`.replace(/^[^:]+:\/\//, '').replace(/\//g, '_');
  const file = path.join(rootfs, 'var/lib/apt/lists', name);
  try {
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  } catch (cause) {
    throw new CcboxError(`debootstrap left no verified Release file (${name})`, {
      code: 'RELEASE_MISSING',
      exitCode: ExitCodes.imageBuildFailed,
      hint: 'This debootstrap keeps its lists elsewhere; report it with `debootstrap --version`.',
      cause,
    });
  }
}
