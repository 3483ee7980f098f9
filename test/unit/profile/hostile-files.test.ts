import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../cli/run-cli.js';
import { writeProfiles } from './helpers.js';

// Files a hostile pull request can point a profile at: a symlinked profile or an `extends:` target that
// is really a secrets file. Every value below is fake; none may appear in anything ccbox prints.
const SECRETS = [
  'sk-live-4f9a8b7c6d5e',
  'hunter2-Correct-Horse',
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMIK7MDENG',
];
const FAKE_FILES: Record<string, string> = {
  '.env': `API_TOKEN=${SECRETS[0]}\nDB_PASSWORD=${SECRETS[1]}\n`,
  'secrets.yaml': `api_token: ${SECRETS[0]}\ncredentials: "admin:${SECRETS[1]}"\nname: "${SECRETS[2]}"\n${SECRETS[2]}: ${SECRETS[3]}\n`,
  shadow: `root:$6$${SECRETS[0]}:19000:0:99999:7:::\nalice:${SECRETS[1]}:19000::::::\n`,
  'keys.json': `{"aws_access_key_id": "${SECRETS[2]}", "aws_secret_access_key": "${SECRETS[3]}"}\n`,
  'token-keys.yaml': `${SECRETS[2]}: 1\nghp_0123456789abcdefghijklmnopqrstuvwx: 2\n`,
};

function expectNoSecret(r: CliResult): void {
  for (const secret of SECRETS) {
    expect(r.stdout).not.toContain(secret);
    expect(r.stderr).not.toContain(secret);
  }
  expect(`${r.stdout}${r.stderr}`).not.toContain('ghp_0123456789');
}

function repo(): string {
  const dir = writeProfiles(FAKE_FILES);
  for (const name of Object.keys(FAKE_FILES)) {
    symlinkSync(name, path.join(dir, `link-${name.replace(/^\./, '').replace(/\.(yaml|json)$/, '')}.yaml`));
    writeFileSync(
      path.join(dir, `child-${name.replace(/^\./, '').replace(/\.(yaml|json)$/, '')}.yaml`),
      `name: child\nextends: ./${name}\n`,
    );
  }
  return dir;
}

describe('a profile that is really a secrets file', () => {
  const dir = repo();
  const env = { CCBOX_CACHE_DIR: path.join(dir, 'cache') };
  const refs = Object.keys(FAKE_FILES).flatMap((name) => {
    const base = name.replace(/^\./, '').replace(/\.(yaml|json)$/, '');
    return [`link-${base}.yaml`, `child-${base}.yaml`];
  });

  it.each(refs)('%s: validate, --json, diff and shell exit 2 and print none of its values', async (ref) => {
    const runs = [
      await runCli(['profiles', 'validate', ref], { cwd: dir }),
      await runCli(['profiles', 'validate', '--json', ref], { cwd: dir }),
      await runCli(['profiles', 'diff', 'low-risk', ref], { cwd: dir }),
      await runCli(['profiles', 'diff', '--json', ref, 'low-risk'], { cwd: dir }),
      await runCli(['profiles', 'show', ref], { cwd: dir }),
      await runCli(['shell', '--plain', '--profile', ref, '--', 'true'], { cwd: dir, env }),
      await runCli(['shell', '--json', '--profile', ref, '--', 'true'], { cwd: dir, env }),
    ];
    for (const r of runs) {
      expect(r.code).toBe(2);
      expectNoSecret(r);
    }
    // The problem is still named: which file, and that it is not a profile.
    expect(runs[0]?.stderr).toMatch(/not a ccbox profile|unknown key|wrong type|YAML:/);
  });

  it('names the target of a symlinked profile', async () => {
    const r = await runCli(['profiles', 'validate', 'link-env.yaml'], { cwd: dir });
    expect(r.stderr).toMatch(
      /^link-env\.yaml \(a symlink to \.env\):1: \(profile\): not a ccbox profile: the top level is a string/m,
    );
  });

  it('shows key names only when they look like names, never values', async () => {
    const r = await runCli(['profiles', 'validate', 'link-secrets.yaml'], { cwd: dir });
    expect(r.stderr).toMatch(/:1: api_token: unknown key/);
    expect(r.stderr).toMatch(/:2: credentials: wrong type: expected object \(allowed: object\)/);
    expect(r.stderr).toMatch(/:4: \(key not shown\): unknown key/);
    const t = await runCli(['profiles', 'validate', 'link-token-keys.yaml'], { cwd: dir });
    expect(t.stderr.match(/\(key not shown\): unknown key/g)).toHaveLength(2);
  });

  it('refuses an extends outside the profile directory and the built-ins, and never reads it', async () => {
    const outside = writeProfiles({ 'base.yaml': 'name: base\n', '.env': FAKE_FILES['.env'] ?? '' });
    const inner = path.join(dir, 'team');
    mkdirSync(inner, { recursive: true });
    writeFileSync(path.join(inner, 'a.yaml'), `name: a\nextends: ${path.join(outside, '.env')}\n`);
    writeFileSync(path.join(inner, 'b.yaml'), `name: b\nextends: ${path.join(outside, 'base.yaml')}\n`);
    writeFileSync(path.join(inner, 'c.yaml'), 'name: c\nextends: ../child-env.yaml\n');
    const a = await runCli(['profiles', 'validate', 'team/a.yaml'], { cwd: dir });
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/team\/a\.yaml:2: extends: .*\.env is outside this profile's directory/);
    expect(a.stderr).not.toMatch(/not a ccbox profile/); // refused before it was read
    expectNoSecret(a);
    const b = await runCli(['profiles', 'validate', 'team/b.yaml'], { cwd: dir });
    expect(b.code).toBe(2);
    // Named on the command line too, the parent is one the user vouches for.
    const named = await runCli(['profiles', 'validate', 'team/b.yaml', path.join(outside, 'base.yaml')], {
      cwd: dir,
    });
    expect(named.code).toBe(0);
    // Up and out of team/: outside team/'s tree as well.
    const c = await runCli(['profiles', 'validate', 'team/c.yaml'], { cwd: dir });
    expect(c.stderr).toMatch(/team\/c\.yaml:2: extends: child-env\.yaml is outside/);
  });

  it('refuses a symlink inside the tree that leads out of it', async () => {
    const outside = writeProfiles({ 'base.yaml': 'name: base\n' });
    const d = writeProfiles({ 'leaf.yaml': 'name: leaf\nextends: ./parent.yaml\n' });
    symlinkSync(path.join(outside, 'base.yaml'), path.join(d, 'parent.yaml'));
    const r = await runCli(['profiles', 'validate', 'leaf.yaml'], { cwd: d });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/leaf\.yaml:2: extends: parent\.yaml is outside/);
  });

  it('refuses a parent that is not a regular file without reading it', async () => {
    const d = writeProfiles({ 'leaf.yaml': 'name: leaf\nextends: /dev/zero\n' });
    const r = await runCli(['profiles', 'validate', 'leaf.yaml', '/dev/zero'], { cwd: d });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/leaf\.yaml:2: extends: the parent \/dev\/zero is not a regular file/);
  });
});

describe('YAML failures are exit 2 with the field named', () => {
  const bomb = (() => {
    let text = 'name: bomb\ndescription: &a ["x","x","x","x","x","x","x"]\n';
    const keys = 'bcdefghi';
    for (let i = 0; i < keys.length; i += 1) {
      const prev = i === 0 ? 'a' : keys[i - 1];
      text += `${keys[i]}: &${keys[i]} [${Array(7).fill(`*${prev}`).join(',')}]\n`;
    }
    return text;
  })();
  const cases: Array<[string, string | Buffer, RegExp]> = [
    [
      'an alias bomb',
      bomb,
      /bomb\.yaml:1: \(profile\): YAML: aliases expand to more than 64 copies \(an alias bomb\)/,
    ],
    [
      'too many aliases',
      `name: many\na: &a x\n${Array.from({ length: 70 }, (_, i) => `k${i}: *a`).join('\n')}\n`,
      /YAML: 70 aliases/,
    ],
    [
      'an alias to nothing',
      'name: x\ndescription: *nowhere\n',
      /YAML: an alias names an anchor that is not defined/,
    ],
    [
      'deep nesting',
      `name: deep\negress:\n  allow: ${'['.repeat(40)}${']'.repeat(40)}\n`,
      /deep\.yaml:3: egress\.allow(\[0\])+: YAML: nested deeper than 32 levels/,
    ],
    [
      'very deep nesting',
      `name: x\ndescription: ${'['.repeat(50_000)}\n`,
      /YAML: (nested too deeply|bad indentation|.*missing)/,
    ],
    [
      'a duplicate key',
      'name: dup\negress:\n  allow: [a.example.com]\n  allow: [b.example.com]\n',
      /dup\.yaml:4: egress\.allow: YAML: duplicate key/,
    ],
    ['a duplicate top-level key', 'name: dup\nname: dup2\n', /dup\.yaml:2: name: YAML: duplicate key/],
    ['a list at the top', '- name: x\n', /\(profile\): not a ccbox profile: the top level is a list/],
    ['an empty file', '', /\(profile\): not a ccbox profile: the top level is an empty value/],
    ['a scalar at the top', 'just words\n', /not a ccbox profile: the top level is a string/],
    [
      'two documents',
      'name: a\n---\nname: b\n',
      /a\.yaml:2: \(profile\): YAML: the file holds more than one YAML document/,
    ],
    [
      'an unknown tag',
      'name: tag\ndescription: !secret-tag words\n',
      /tag\.yaml:2: description: YAML: a tag .* is not one profiles use/,
    ],
    [
      'UTF-16',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name: x\n', 'utf16le')]),
      /\(profile\): is UTF-16 encoded; save it as UTF-8/,
    ],
    [
      'invalid UTF-8',
      Buffer.concat([Buffer.from('name: x\ndescription: '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]),
      /:2: \(profile\): is not valid UTF-8 text/,
    ],
    ['a NUL byte', Buffer.from('name: x\n\0\n'), /:2: \(profile\): contains the control character U\+0000/],
    [
      'a file too large',
      `name: big\ndescription: "${'x'.repeat(300 * 1024)}"\n`,
      /is larger than 262144 bytes/,
    ],
  ];

  it.each(cases)('%s', async (_what, content, expected) => {
    // The file is named after the profile it claims to be, so the expected lines can name it.
    const claimed = /^name: ([a-z]+)/.exec(typeof content === 'string' ? content : '')?.[1];
    const name = `${claimed ?? 'p'}.yaml`;
    const dir = writeProfiles({});
    writeFileSync(path.join(dir, name), content);
    const r = await runCli(['profiles', 'validate', name], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    expect(r.stderr.split('\n').length).toBeLessThan(10);
  });
});
