import { describe, expect, it } from 'vitest';
import { checkAllowRule } from '../../../src/profile/safety.js';
import { runCli } from '../cli/run-cli.js';
import { writeProfiles } from './helpers.js';

// Each of these lets the agent run any code without a prompt; Claude Code's `*` matches any text
// (spaces too) anywhere in a rule, and `:*` at the end is the legacy spelling of ` *`.
const DELEGATING = [
  // shells, every spelling
  'Bash(sh -c *)',
  'Bash(sh -c:*)',
  'Bash(sh -c*)',
  'Bash(sh*)',
  'Bash(bash -c *)',
  'Bash(bash -lc *)',
  'Bash(/bin/bash -c *)',
  'Bash(zsh *)',
  'Bash(bash *)',
  'Bash(dash -c "*")',
  'Bash(sh)',
  'Bash(bash -s)',
  'Bash(b*sh -c *)',
  'Bash(/usr/bin/* -c *)',
  'PowerShell(pwsh -Command *)',
  'PowerShell(pwsh -c *)',
  // interpreters with an inline-code flag, or with a wildcard where the script goes
  'Bash(python3 -c *)',
  'Bash(python3 -c:*)',
  'Bash(python3 -c*)',
  'Bash(python -c "import os; *")',
  'Bash(python3.12 -Ic *)',
  'Bash(python3 *)',
  'Bash(py*)',
  'Bash(node -e *)',
  'Bash(node --eval=*)',
  'Bash(node -p *)',
  'Bash(node *)',
  'Bash(perl -e *)',
  'Bash(perl -ne *)',
  'Bash(ruby -e *)',
  'Bash(php -r *)',
  'Bash(deno eval *)',
  'Bash(awk *)',
  'Bash(osascript -e *)',
  'Bash(node scripts/*)',
  'Bash(python3)',
  // privilege and environment wrappers
  'Bash(sudo *)',
  'Bash(sudo:*)',
  'Bash(sudo -u root *)',
  'Bash(env *)',
  'Bash(env FOO=1 *)',
  'Bash(nice *)',
  'Bash(timeout 60 *)',
  'Bash(xargs *)',
  'Bash(nohup *)',
  'Bash(doas *)',
  'Bash(FOO=* make)',
  'Bash(su*)',
  // package runners
  'Bash(npx -y *)',
  'Bash(npx *)',
  'Bash(npx:*)',
  'Bash(npx -c *)',
  'Bash(npm exec *)',
  'Bash(pnpm dlx *)',
  'Bash(yarn dlx *)',
  'Bash(bunx *)',
  'Bash(uvx *)',
  'Bash(pipx run *)',
  'Bash(uv run *)',
  'Bash(npx je*)',
  // broad tools, star anywhere
  'Bash(curl*)',
  'Bash(npm*)',
  'Bash(git:*)',
];

const NARROW = [
  'Bash(npm run test *)',
  'Bash(npm run lint)',
  'Bash(python -m pytest *)',
  'Bash(git status)',
  'Bash(git diff *)',
  'Bash(bash scripts/test.sh *)',
  'Bash(node scripts/build.js *)',
  'Bash(npx jest *)',
  'Bash(python3 -c "print(1)")',
  'Bash(sudo apt-get update)',
  'Bash(timeout 60 npm test)',
  'Bash(ls*)',
  'Bash(python3 --version)',
  'Bash(make test)',
  'Read(./docs/**)',
  'WebFetch(domain:docs.example.com)',
];

describe('allow rules that delegate', () => {
  it.each(DELEGATING)('refuses %s with a reason', (rule) => {
    expect(checkAllowRule(rule)).toMatch(/./);
  });

  it.each(NARROW)('accepts the narrow rule %s', (rule) => {
    expect(checkAllowRule(rule)).toBeNull();
  });

  it('names the delegation in validate, in a layer and in an exception that grants allow', async () => {
    const dir = writeProfiles({
      'deleg.yaml': 'name: deleg\npermissions:\n  allow: ["Bash(sh -c:*)", "Bash(npx -y *)"]\n',
      'exc.yaml':
        'name: exc\nextends: low-risk\npermissions:\n  deny: ["Bash(sudo *)"]\nexceptions:\n  - rule: Bash(sudo *)\n    grant: allow\n    owner: ops\n    reason: r\n    expires: "2026-12-01"\n',
    });
    const r = await runCli(['profiles', 'validate', 'deleg.yaml', 'exc.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /deleg\.yaml:3: permissions\.allow\[0\]: allow rule sh with a wildcard where its code or script goes runs any code/,
    );
    expect(r.stderr).toMatch(/deleg\.yaml:3: permissions\.allow\[1\]: allow rule npx followed by a wildcard/);
    expect(r.stderr).toMatch(
      /exc\.yaml:\d+: exceptions\[0\]\.grant: grant: allow on a rule that delegates: sudo/,
    );
  });
});
