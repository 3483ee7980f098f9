import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';

/** The CPU architectures ccbox ships images for (values of `process.arch`). */
export type SupportedArch = 'x64' | 'arm64';

/** Where the native Claude Code binary sits inside its platform package's tarball. */
export const CLAUDE_BINARY_IN_TARBALL = 'package/claude';

/** Where the Node executable sits inside a `node-linux-<arch>` tarball. */
export const NODE_BINARY_IN_TARBALL = 'package/bin/node';

/**
 * Why a pinned Node for the gate: the gate image copies a plain Node binary from npm instead of a
 * distribution package, so its version must be reviewed like any other dependency.
 */
export const DEFAULT_GATE_NODE_VERSION = '24.21.0';

/** `dist.integrity` of `node-linux-<arch>@DEFAULT_GATE_NODE_VERSION`, pinned for the same reason as Claude Code's. */
export const DEFAULT_GATE_NODE_INTEGRITY: Readonly<Record<SupportedArch, string>> = {
  x64: 'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
  arm64: 'sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==',
};

/** Narrows `process.arch` (passed in by the caller) to an architecture ccbox supports, or fails with a hint. */
export function supportedArch(arch: string): SupportedArch {
  if (arch === 'x64' || arch === 'arm64') return arch;
  throw new CcboxError(`Unsupported CPU architecture '${arch}'`, {
    code: 'NPM_UNSUPPORTED_ARCH',
    exitCode: ExitCodes.invalidInput,
    hint: 'Claude Code publishes native Linux builds for x64 and arm64 only.',
  });
}

/** Why: Claude Code ships one npm package per platform; this names the one whose binary the agent image needs. */
export function platformPackage(arch: string): string {
  return `@anthropic-ai/claude-code-linux-${supportedArch(arch)}`;
}

/** Why: the gate runs on a plain Node binary taken from npm; this names the package for the architecture. */
export function nodePackage(arch: string): string {
  return `node-linux-${supportedArch(arch)}`;
}
