import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/paths.js';

// The import boundaries of eslint.config.js, proved to fire: each probe is linted as if it were the
// named file (an existing one, so the type-aware parser knows it), with only the boundary rule on.

const eslint = new ESLint({
  cwd: packageRoot(),
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});

async function restricted(file: string, specifier: string): Promise<string[]> {
  const code = `import * as probe from '${specifier}';\nexport const used = probe;\n`;
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', { timeout: 120_000 }, () => {
  it.each([
    ['src/session/agent-spec.ts', '../docker/index.js'],
    ['src/session/agent-spec.ts', '../ui/format.js'],
    ['src/session/agent-spec.ts', '../cli/output.js'],
    ['src/policy/plan.ts', '../docker/index.js'],
    ['src/policy/plan.ts', '../engine/engine.js'],
    ['src/policy/plan.ts', '../image/binaries.js'],
    ['src/policy/plan.ts', '../ui/format.js'],
    ['src/profile/defaults.ts', '../image/binaries.js'],
    ['src/profile/defaults.ts', '../engine/engine.js'],
    ['src/profile/defaults.ts', '../docker/index.js'],
    ['src/profile/defaults.ts', '../ui/format.js'],
    ['src/profile/refs.ts', '../policy/plan.js'],
    ['src/profile/refs.ts', '../policy/compile/permissions.js'],
    ['src/common/canonical.ts', '../errors.js'],
    ['src/common/address.ts', '../policy/plan.js'],
    ['src/image/agent-image.ts', '../session/session.js'],
    ['src/image/agent-image.ts', '../docker/index.js'],
    ['egress/src/relay.ts', '../../src/engine/engine.js'],
    ['egress/src/relay.ts', '../../src/profile/load.js'],
    ['egress/src/relay.ts', '../../src/errors.js'],
    ['egress/src/relay.ts', '../../src/audit/host/gate-config.js'],
    ['src/audit/redact.ts', '../errors.js'],
    ['src/audit/redact.ts', '../policy/plan.js'],
  ])('%s may not import %s', async (file, specifier) => {
    expect(await restricted(file, specifier)).toEqual([expect.stringMatching(/restricted/)]);
  });

  it.each([
    ['src/session/agent-spec.ts', '../workspace/workspace.js'],
    ['src/session/agent-spec.ts', '../policy/plan.js'],
    ['src/profile/defaults.ts', '../claude-code-version.js'],
    ['egress/src/relay.ts', '../../src/policy/egress/index.js'],
    ['egress/src/relay.ts', './builtins.js'],
    ['egress/src/relay.ts', '../../src/common/address.js'],
    ['src/profile/refs.ts', '../common/credential-stores.js'],
    ['src/image/agent-image.ts', '../engine/engine.js'],
    ['src/session/session.ts', '../engine/engine.js'],
    ['egress/src/relay.ts', '../../src/audit/event.js'],
    ['src/audit/redact.ts', './secret-digest.js'],
    ['src/audit/host/gate-config.ts', '../../errors.js'],
  ])('%s may import %s', async (file, specifier) => {
    expect(await restricted(file, specifier)).toEqual([]);
  });
});
