/**
 * Why one constant: the Claude Code version is part of the security boundary (managed-settings keys,
 * root refusal, hook semantics all change between releases), so every image is built from one
 * reviewed pin, never from `latest`. Bump it deliberately and re-run test/e2e.
 */
export const DEFAULT_CLAUDE_CODE_VERSION = '2.1.332';

/**
 * Why pin the digests too: the registry's metadata is the only other source of the expected digest,
 * so a compromised registry or mirror could serve a matching (metadata, tarball) pair. These are the
 * `dist.integrity` values of the platform packages at DEFAULT_CLAUDE_CODE_VERSION.
 */
export const DEFAULT_CLAUDE_CODE_INTEGRITY: Readonly<Record<'x64' | 'arm64', string>> = {
  x64: 'sha512-f4JWhzwYutJIHScC7/dYOPX6s28tt7ZADhsOi8zwOHq5fFPEuUeChh2NMfinSg0GrUckYxaeebC4h0DqiKzLcw==',
  arm64: 'sha512-BlHNEtK38KBPWU31F4lUSS9sHclCyfWbThT1CErvxxH8+XcljYLZlQwdyXBkTD62rw1TgfE1u1a+quMWS0NSJg==',
};
