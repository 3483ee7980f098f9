import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { writeProfiles } from './helpers.js';

// The CLI runs with today = 2026-11-27 (run-cli.ts).
async function validate(files: Record<string, string>, leaf: string, strict = false) {
  const dir = writeProfiles(files);
  return runCli(['profiles', 'validate', ...(strict ? ['--strict'] : []), leaf], { cwd: dir });
}

describe('rules with no effect are warnings, errors with --strict', () => {
  it.each([
    [
      'an allow the inherited network-transfer family denies',
      'name: c\nextends: low-risk\npermissions:\n  allow: ["Bash(ssh deploy@host uptime)"]\n',
      /c\.yaml:4: warning: permissions\.allow\[0\]: has no effect: the deny or ask rule "Bash\(ssh \*\)" beats it/,
    ],
    [
      'an allow a broader inherited deny covers',
      'name: c\nextends: low-risk\npermissions:\n  allow: ["Bash(curl -s https://status.example.com)"]\n',
      /permissions\.allow\[0\]: has no effect: the deny or ask rule "Bash\(curl \*\)" beats it/,
    ],
    [
      'an allow its own file denies',
      'name: c\npermissions:\n  deny: ["Bash(make deploy:*)"]\n  allow: ["Bash(make deploy prod)"]\n',
      /c\.yaml:4: warning: permissions\.allow\[0\]: has no effect: the deny or ask rule "Bash\(make deploy:\*\)"/,
    ],
    [
      'an allow an inherited ask covers',
      'name: c\nextends: low-risk\npermissions:\n  allow: ["Bash(terraform fmt *)"]\n',
      /permissions\.allow\[0\]: has no effect: the deny or ask rule "Bash\(terraform \*\)" beats it/,
    ],
    [
      'an ask its own file denies',
      'name: c\npermissions:\n  deny: ["Bash(make *)"]\n  ask: ["Bash(make release)"]\n',
      /permissions\.ask\[0\]: has no effect: the deny rule "Bash\(make \*\)" beats it/,
    ],
    [
      'a duplicate rule in one list',
      'name: c\npermissions:\n  deny: ["Bash(make deploy)", "Bash(make deploy)"]\n',
      /permissions\.deny\[1\]: has no effect: the same entry is already listed/,
    ],
    [
      'a rule the parent already has',
      'name: c\nextends: low-risk\npermissions:\n  deny: ["Bash(curl *)"]\n',
      /c\.yaml:4: warning: permissions\.deny\[0\]: has no effect: the same entry is already listed/,
    ],
    [
      'a repeated egress host',
      'name: c\nextends: low-risk\negress:\n  allow: [pypi.org]\n',
      /egress\.allow\[0\]: has no effect: the same entry is already listed/,
    ],
  ])('%s', async (_what, text, expected) => {
    const lenient = await validate({ 'c.yaml': text }, 'c.yaml');
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(expected);
    const strict = await validate({ 'c.yaml': text }, 'c.yaml', true);
    expect(strict.code).toBe(2);
    expect(strict.stdout).toMatch(/^invalid c\.yaml/m);
    expect(strict.stderr).not.toMatch(/warning:/);
  });

  it('the built-in tiers pass --strict', async () => {
    const r = await runCli([
      'profiles',
      'validate',
      '--strict',
      'low-risk',
      'production-adjacent',
      'regulated',
      'privileged-infra',
      'ci-headless',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('exceptions have a maximum lifetime', () => {
  const exception = (expires: string) =>
    `exceptions:\n  - rule: Bash(docker *)\n    owner: ops\n    reason: builds\n    expires: "${expires}"\n`;

  it('refuses an exception a century out (default 90 days)', async () => {
    const r = await validate(
      { 'c.yaml': `name: c\nextends: low-risk\n${exception('2126-11-27')}` },
      'c.yaml',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /c\.yaml:7: exceptions\[0\]\.expires: runs 36524 days from today, longer than the maximum exception lifetime \(found 2126-11-27; allowed: a date at most 90 days out/,
    );
    expect(
      (await validate({ 'c.yaml': `name: c\nextends: low-risk\n${exception('2027-02-25')}` }, 'c.yaml')).code,
    ).toBe(0);
  });

  it('takes a shorter lifetime from the tier, and a child cannot lengthen it', async () => {
    const files = {
      'tier.yaml': 'name: tier\nextends: low-risk\nmaxExceptionDays: 30\n',
      'c.yaml': `name: c\nextends: ./tier.yaml\n${exception('2027-01-15')}`,
      'd.yaml': 'name: d\nextends: ./tier.yaml\nmaxExceptionDays: 365\n',
    };
    const c = await validate(files, 'c.yaml');
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/exceptions\[0\]\.expires: runs 49 days from today.*at most 30 days out/);
    const d = await validate(files, 'd.yaml');
    expect(d.stderr).toMatch(
      /d\.yaml:3: maxExceptionDays: a child cannot lengthen the maximum exception lifetime/,
    );
  });
});

describe('a tier can lock fields', () => {
  const tier = 'name: tier\nextends: low-risk\nlocked: [telemetry.logToolDetails, egress.allow]\n';

  it('refuses a child that changes a locked field, naming who locked it', async () => {
    const r = await validate(
      {
        'tier.yaml': tier,
        'c.yaml':
          'name: c\nextends: ./tier.yaml\ntelemetry:\n  logToolDetails: true\negress:\n  allow: [api.example.com]\n',
      },
      'c.yaml',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /c\.yaml:4: telemetry\.logToolDetails: is locked by tier\.yaml; a profile extending it cannot change it/,
    );
    expect(r.stderr).toMatch(/c\.yaml:6: egress\.allow: is locked by tier\.yaml/);
  });

  it('accepts a child that restates the locked value, and refuses removing a lock or locking nothing', async () => {
    const ok = await validate(
      { 'tier.yaml': tier, 'c.yaml': 'name: c\nextends: ./tier.yaml\ntelemetry:\n  logToolDetails: false\n' },
      'c.yaml',
    );
    expect(ok.code).toBe(0);
    const unlock = await validate(
      { 'tier.yaml': tier, 'c.yaml': 'name: c\nextends: ./tier.yaml\nlocked: ["!egress.allow"]\n' },
      'c.yaml',
    );
    expect(unlock.stderr).toMatch(/c\.yaml:3: locked\[0\]: locked fields only accumulate/);
    const typo = await validate({ 'c.yaml': 'name: c\nlocked: [telemetry.logToolDetail]\n' }, 'c.yaml');
    expect(typo.stderr).toMatch(/c\.yaml:2: locked\[0\]: is not a field a tier can lock/);
  });

  it('keeps content logging off below the regulated tier', async () => {
    const r = await validate(
      { 'c.yaml': 'name: c\nextends: regulated\ntelemetry:\n  logUserPrompts: true\n' },
      'c.yaml',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /c\.yaml:4: telemetry\.logUserPrompts: is locked by .*profiles\/regulated\.yaml/,
    );
  });

  it('profiles show says which fields are locked and by whom', async () => {
    const dir = writeProfiles({ 'tier.yaml': tier, 'c.yaml': 'name: c\nextends: ./tier.yaml\n' });
    const r = await runCli(['profiles', 'show', '--json', 'c.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { locked: unknown }).locked).toEqual([
      { field: 'telemetry.logToolDetails', by: 'tier.yaml' },
      { field: 'egress.allow', by: 'tier.yaml' },
    ]);
    const yaml = await runCli(['profiles', 'show', 'c.yaml'], { cwd: dir });
    expect(yaml.stdout).toMatch(/locked:\n {2}- field: telemetry\.logToolDetails\n {4}by: tier\.yaml/);
  });
});
