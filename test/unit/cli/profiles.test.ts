import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { runCli } from './run-cli.js';
import { BUILTINS, writeProfiles } from '../profile/helpers.js';
import { packageRoot } from '../../../src/paths.js';

const root = packageRoot();
const builtinFiles = BUILTINS.map((n) => path.join(root, 'profiles', `${n}.yaml`));

describe('ccbox profiles validate', () => {
  it('accepts every built-in profile (exit 0)', async () => {
    const r = await runCli(['profiles', 'validate', ...builtinFiles]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^ok/gm)).toHaveLength(5);
  });

  // Each broken profile: exit 2, and a line naming file, line, field path, what was found and what is allowed.
  const broken: Array<[string, string, RegExp]> = [
    [
      'unknown key',
      'name: typo\negress:\n  alow: [example.com]\n',
      /typo\.yaml:3: egress\.alow: unknown key \(found "alow"; allowed: mode, allow, deny, ports, allowCidrs\)/,
    ],
    [
      'wrong type',
      'name: wrongtype\nresources:\n  cpus: two\n',
      /wrongtype\.yaml:3: resources\.cpus: wrong type: expected number \(found "two"; allowed: number\)/,
    ],
    [
      'egress allow *',
      'name: star\negress:\n  allow: ["*"]\n',
      /star\.yaml:3: egress\.allow\[0\]: egress host allows every host \(found "\*"/,
    ],
    [
      'whole TLD',
      'name: tld\negress:\n  allow: ["*.com"]\n',
      /tld\.yaml:3: egress\.allow\[0\]: egress host allows a whole top-level domain/,
    ],
    [
      'public suffix',
      'name: psl\negress:\n  allow: ["*.github.io"]\n',
      /psl\.yaml:3: egress\.allow\[0\]: egress host allows every tenant of the public suffix github\.io/,
    ],
    [
      'child drops a parent deny',
      'name: dropper\nextends: low-risk\npermissions:\n  deny: ["!Bash(curl *)"]\n',
      /dropper\.yaml:4: permissions\.deny\[0\]: deny rules only accumulate along extends: a child cannot remove "Bash\(curl \*\)"/,
    ],
    [
      'child moves a parent deny to allow',
      'name: mover\nextends: low-risk\npermissions:\n  allow: ["Bash(curl *)"]\n',
      /mover\.yaml:4: permissions\.allow\[0\]: moves the parent's deny\/ask rule "Bash\(curl \*\)" to allow/,
    ],
    [
      'child turns a lock off',
      'name: unlock\nextends: low-risk\nlocks:\n  allowManagedHooksOnly: false\n',
      /unlock\.yaml:4: locks\.allowManagedHooksOnly: a child cannot turn off a security lock/,
    ],
    [
      'child drops a secret path',
      'name: nosecret\nextends: low-risk\npaths:\n  secrets: ["!.env"]\n',
      /nosecret\.yaml:4: paths\.secrets\[0\]: secret paths only accumulate/,
    ],
    [
      'bypass without full isolation',
      'name: bypass\npermissions:\n  defaultMode: bypassPermissions\n',
      /bypass\.yaml:3: permissions\.defaultMode: bypassPermissions requires a tier that declares full isolation/,
    ],
    [
      'bypass left enabled',
      'name: bypass2\npermissions:\n  disableBypassPermissionsMode: false\n',
      /bypass2\.yaml:3: permissions\.disableBypassPermissionsMode: bypass mode may stay enabled only/,
    ],
    [
      'credential-dir mount',
      'name: sshmount\nmounts:\n  - source: ~/.ssh\n    target: /mnt/keys\n',
      /sshmount\.yaml:3: mounts\[0\]\.source: mount reaches the credential store \/home\/tester\/\.ssh/,
    ],
    [
      'home mount',
      'name: homemount\nmounts:\n  - source: /home/tester\n    target: /mnt/home\n',
      /homemount\.yaml:3: mounts\[0\]\.source: mount reaches the credential store/,
    ],
    [
      'docker socket mount',
      'name: sock\nmounts:\n  - source: /var/run/docker.sock\n    target: /mnt/sock\n',
      /sock\.yaml:3: mounts\[0\]\.source: mount reaches the credential store \/var\/run\/docker\.sock/,
    ],
    [
      'Bash(*) allow',
      'name: bashstar\npermissions:\n  allow: ["Bash(*)"]\n',
      /bashstar\.yaml:3: permissions\.allow\[0\]: allow rule allows every Bash call/,
    ],
    [
      'bare Bash allow',
      'name: bashbare\npermissions:\n  allow: [Bash]\n',
      /bashbare\.yaml:3: permissions\.allow\[0\]: allow rule allows every Bash call/,
    ],
    [
      'broad package-manager allow',
      'name: npmstar\npermissions:\n  allow: ["Bash(npm *)"]\n',
      /npmstar\.yaml:3: permissions\.allow\[0\]: allow rule allows every npm invocation/,
    ],
    [
      'leading-wildcard allow',
      'name: verstar\npermissions:\n  allow: ["Bash(* --version)"]\n',
      /verstar\.yaml:3: permissions\.allow\[0\]: allow rule starts with a wildcard/,
    ],
    [
      'secret env pass-through',
      'name: envleak\ncredentials:\n  passEnv: [GITHUB_TOKEN]\n',
      /envleak\.yaml:3: credentials\.passEnv\[0\]: this name looks like a secret.*found "GITHUB_TOKEN"/,
    ],
    [
      'secret-looking env',
      'name: envleak2\ncredentials:\n  passEnv: [MY_DB_PASSWORD]\n',
      /envleak2\.yaml:3: credentials\.passEnv\[0\]: this name looks like a secret.*found "MY_DB_PASSWORD"/,
    ],
    [
      'exception without owner',
      'name: noowner\nextends: low-risk\nexceptions:\n  - rule: Bash(docker *)\n    reason: x\n    expires: "2027-01-01"\n',
      /noowner\.yaml:4: exceptions\[0\]\.owner: wrong type: expected string \(found nothing/,
    ],
    [
      'exception without expiry',
      'name: noexpiry\nextends: low-risk\nexceptions:\n  - rule: Bash(docker *)\n    owner: alice\n    reason: x\n',
      /noexpiry\.yaml:4: exceptions\[0\]\.expires: wrong type/,
    ],
    [
      'metadata range',
      'name: meta\negress:\n  allowCidrs: [169.254.0.0/16]\n',
      /meta\.yaml:3: egress\.allowCidrs\[0\]: range contains the cloud metadata \(AWS, GCP.*\) address 169\.254\.169\.254; a metadata address opens only by its exact range \(169\.254\.169\.254\/32\)/,
    ],
    [
      'unpinned claude',
      'name: latest\nimage:\n  claudeCodeVersion: latest\n',
      /latest\.yaml:3: image\.claudeCodeVersion: must be an exact version/,
    ],
    [
      'enforce to report',
      'name: reporter\nextends: low-risk\negress:\n  mode: report\n',
      /reporter\.yaml:4: egress\.mode: a child cannot switch the gate from enforce to report/,
    ],
    ['extends cycle', 'name: cyc\nextends: ./cyc.yaml\n', /cyc\.yaml:2: extends: extends forms a cycle/],
    ['malformed YAML', 'name: bad\negress: [\n', /bad\.yaml:\d+: \(profile\): YAML:/],
  ];

  it.each(broken)('rejects %s with exit 2 and names the field', async (_what, text, expected) => {
    const name = (/^name: (\S+)/.exec(text)?.[1] ?? 'x') + '.yaml';
    const dir = writeProfiles({ [name]: text });
    const r = await runCli(['profiles', 'validate', path.join(dir, name)], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(r.stdout).toMatch(/^invalid/m);
  });

  it('reports every problem of a file, one line each', async () => {
    const dir = writeProfiles({
      'many.yaml': 'name: many\nbogus: 1\negress:\n  allow: ["*"]\nresources:\n  pids: lots\n',
    });
    const r = await runCli(['profiles', 'validate', 'many.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    // Schema problems and safety problems of the same file, in one run.
    expect(r.stderr.trim().split('\n')).toHaveLength(3);
    expect(r.stderr).toMatch(/many\.yaml:2: bogus: unknown key/);
    expect(r.stderr).toMatch(/many\.yaml:6: resources\.pids: wrong type/);
    expect(r.stderr).toMatch(/many\.yaml:4: egress\.allow\[0\]: egress host allows every host/);
  });

  it('keeps array positions as written when it checks around a refused element', async () => {
    // A refused element is not dropped (that would shift the others), so no safety line can name a
    // wrong position; the schema line names the element.
    const dir = writeProfiles({ 'arr.yaml': 'name: arr\negress:\n  allow: [3, "*"]\n' });
    const r = await runCli(['profiles', 'validate', 'arr.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/arr\.yaml:3: egress\.allow\[0\]: wrong type/);
    expect(r.stderr).not.toMatch(/egress\.allow\[0\]: egress host allows every host/);
  });

  it('says an expired exception no longer applies, and still validates', async () => {
    const dir = writeProfiles({
      'old.yaml':
        'name: old\nextends: low-risk\nexceptions:\n  - id: SEC-9\n    rule: Bash(docker *)\n    owner: alice\n    reason: builds\n    expires: "2026-01-31"\n',
    });
    const r = await runCli(['profiles', 'validate', 'old.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /old\.yaml:8: warning: exceptions\[0\]\.expires: exception SEC-9 \(owner alice\) expired on 2026-01-31 and no longer applies/,
    );
  });

  it('names an unknown profile and lists the built-ins', async () => {
    const r = await runCli(['profiles', 'show', 'no-such-tier']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown profile "no-such-tier"/);
    expect(r.stderr).toMatch(/ci-headless, low-risk, privileged-infra, production-adjacent, regulated/);
  });
});

describe('ccbox profiles schema', () => {
  it('is a JSON Schema that an independent validator accepts every built-in profile against', async () => {
    const r = await runCli(['profiles', 'schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as object;
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    for (const file of builtinFiles) {
      const ok = validate(parse(readFileSync(file, 'utf8')));
      expect(validate.errors ?? [], file).toEqual([]);
      expect(ok).toBe(true);
    }
    expect(validate({ name: 'x', egress: { alow: [] } })).toBe(false);
    expect(validate({ name: 'x', resources: { cpus: 'two' } })).toBe(false);
  });
});

describe('ccbox profiles show and list', () => {
  it('lists the five tiers', async () => {
    const r = await runCli(['profiles', 'list', '--json']);
    expect((JSON.parse(r.stdout) as Array<{ name: string }>).map((p) => p.name)).toEqual(BUILTINS);
  });

  it('renders managed settings as JSON', async () => {
    const r = await runCli(['profiles', 'show', 'regulated', '--render', 'settings']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { permissions: { defaultMode: string; deny: string[] } };
    expect(s.permissions.defaultMode).toBe('plan');
    expect(s.permissions.deny).toContain('WebFetch');
  });

  it('refuses an unknown render target with exit 2', async () => {
    const r = await runCli(['profiles', 'show', 'low-risk', '--render', 'everything']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--render everything is not a render target/);
  });
});

describe('ccbox profiles diff', () => {
  it('exits 0 when NEW only tightens OLD', async () => {
    const r = await runCli(['profiles', 'diff', 'low-risk', 'production-adjacent']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/^WEAKENS/m);
  });

  it('exits 1 and marks each weakening when NEW weakens OLD', async () => {
    const dir = writeProfiles({
      'old.yaml': 'name: old\negress:\n  allow: [registry.npmjs.org]\npermissions:\n  deny: [Bash(curl *)]\n',
      'new.yaml':
        'name: new\negress:\n  allow: [registry.npmjs.org, pastebin.com]\n  mode: report\npermissions:\n  allow: [Bash(make test)]\nlocks:\n  allowManagedHooksOnly: false\n',
    });
    const r = await runCli(['profiles', 'diff', 'old.yaml', 'new.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^WEAKENS \+ egress\.allowHosts: pastebin\.com$/m);
    expect(r.stdout).toMatch(/^WEAKENS ~ egress\.mode: enforce -> report$/m);
    expect(r.stdout).toMatch(/^WEAKENS - settings\.permissions\.deny: Bash\(curl \*\)$/m);
    expect(r.stdout).toMatch(/^WEAKENS \+ settings\.permissions\.allow: Bash\(make test\)$/m);
    expect(r.stdout).toMatch(/^WEAKENS ~ settings\.allowManagedHooksOnly: true -> \(unset\)$/m);
  });
});
