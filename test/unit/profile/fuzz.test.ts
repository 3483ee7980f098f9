import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/paths.js';
import { runCli, type CliResult } from '../cli/run-cli.js';
import { BUILTINS, writeProfiles } from './helpers.js';

// Fuzzing `ccbox profiles validate` (and diff) with random and mutated profiles. The property: whatever
// the file holds, ccbox answers 0, 1 or 2 with one line per problem, never an internal error (70) or a
// stack trace. A fixed seed keeps CI reproducible; FUZZ_SEED and FUZZ_RUNS explore further locally.
const SEED = Number(process.env.FUZZ_SEED ?? 16_2026);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
// One run in eight also goes through `profiles diff` (two loads and two compiles: the slow part).
const sometimes = fc.nat({ max: 7 }).map((n) => n === 0);

const builtinTexts = BUILTINS.map((n) => readFileSync(path.join(packageRoot(), 'profiles', `${n}.yaml`)));
const dir = writeProfiles({ 'base.yaml': 'name: base\nextends: low-risk\n' });
const file = path.join(dir, 'fuzz.yaml');

function expectSane(r: CliResult): void {
  expect([0, 1, 2]).toContain(r.code);
  expect(r.stderr).not.toMatch(/internal error|^\s+at .*:\d+:\d+\)?$/m);
}

async function validateBytes(bytes: Uint8Array | string, diff: boolean): Promise<void> {
  writeFileSync(file, bytes);
  expectSane(await runCli(['profiles', 'validate', '--json', 'fuzz.yaml'], { cwd: dir }));
  if (diff) expectSane(await runCli(['profiles', 'diff', 'low-risk', 'fuzz.yaml'], { cwd: dir }));
}

// Pieces that stress the YAML layer and the schema: anchors and aliases, tags, flow brackets, odd
// scalars, wildcards, URLs with credentials, address literals, `!` removals, deep indentation.
const TOKENS = [
  '&a ',
  '*a',
  '*b',
  '!!str ',
  '!!binary ',
  '!tag ',
  '<<: *a',
  '[',
  ']',
  '{',
  '}',
  '- ',
  ': ',
  '? ',
  '---\n',
  '...\n',
  '"',
  "'",
  '|\n  ',
  '>\n  ',
  '#',
  '\t',
  '\n',
  '  ',
  '*',
  ':*',
  '!',
  'null',
  '~',
  'true',
  '0x1F',
  '1e9',
  '.inf',
  'https://u:p@h.test/',
  '169.254.169.254/32',
  '::ffff:127.0.0.1',
  'Bash(sh -c *)',
  'extends: ./base.yaml\n',
  'extends: ../x.yaml\n',
  'extends: /dev/zero\n',
  'locked: [egress.allow]\n',
  'maxExceptionDays: 1\n',
  '\u0000',
  '\uFEFF',
  '\u202E',
  'é',
  '\uD800',
];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('dupLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dropLine' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(source: Buffer, steps: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(source);
  for (const m of steps) {
    const at = bytes.length === 0 ? 0 : m.at % bytes.length;
    if (m.kind === 'insert')
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(m.text), bytes.subarray(at)]);
    else if (m.kind === 'delete')
      bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    else if (m.kind === 'byte') bytes[at] = m.value;
    else {
      const lines = bytes.toString('latin1').split('\n');
      const i = m.at % lines.length;
      if (m.kind === 'dupLine') lines.splice(i, 0, lines[i] ?? '');
      else lines.splice(i, 1);
      bytes = Buffer.from(lines.join('\n'), 'latin1');
    }
  }
  return bytes;
}

// A random document with profile keys at the top, so values reach the schema and the safety checks.
const SECTIONS = [
  'name',
  'extends',
  'isolation',
  'permissions',
  'locks',
  'mcp',
  'paths',
  'bash',
  'egress',
  'resources',
  'credentials',
  'telemetry',
  'image',
  'tls',
  'mounts',
  'exceptions',
  'locked',
  'maxExceptionDays',
];
const value = fc.oneof(
  fc.constantFrom(...TOKENS),
  fc.anything({ maxDepth: 3, maxKeys: 4, withNullPrototype: false }),
  fc.dictionary(
    fc.constantFrom(
      'allow',
      'deny',
      'ask',
      'servers',
      'url',
      'command',
      'args',
      'mode',
      'allowCidrs',
      'otlpEndpoint',
      'logToolDetails',
      'expires',
      'owner',
      'rule',
    ),
    fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.boolean()),
  ),
);
const randomProfile = fc.dictionary(
  fc.oneof(fc.constantFrom(...SECTIONS), fc.string({ maxLength: 6 })),
  value,
  { maxKeys: 6 },
);

describe('fuzzing profiles validate and diff', () => {
  it(`mutated built-in tiers never exit other than 0, 1 or 2 (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: builtinTexts.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        sometimes,
        async (pick, steps, diff) => {
          await validateBytes(mutate(builtinTexts[pick] ?? Buffer.alloc(0), steps), diff);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it(`random documents and raw text never exit other than 0, 1 or 2 (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          randomProfile.map((doc) => {
            try {
              return stringify(doc);
            } catch {
              return '';
            }
          }),
          fc.string({ maxLength: 200, unit: 'binary' }),
          fc.uint8Array({ maxLength: 200 }),
          fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((t) => t.join('')),
        ),
        sometimes,
        async (content, diff) => validateBytes(content, diff),
      ),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('prints no value of a secrets file a profile points at (300 runs)', async () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9+/_-]{12,40}$/);
    const secretsFile = fc.record({
      env: fc.boolean(),
      entries: fc.array(
        fc.tuple(
          fc.constantFrom('API_TOKEN', 'DB_PASSWORD', 'credentials', 'image', 'aws_secret', 'telemetry'),
          secret,
        ),
        { minLength: 1, maxLength: 5 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(secretsFile, fc.boolean(), async ({ env, entries }, viaExtends) => {
        const text = entries.map(([k, v]) => (env ? `${k}=${v}` : `${k}: ${v}`)).join('\n');
        writeFileSync(path.join(dir, 'secrets.txt'), `${text}\n`);
        rmSync(file, { force: true });
        if (viaExtends) writeFileSync(file, 'name: leaf\nextends: ./secrets.txt\n');
        else symlinkSync('secrets.txt', file);
        const runs = [
          await runCli(['profiles', 'validate', 'fuzz.yaml'], { cwd: dir }),
          await runCli(['profiles', 'validate', '--json', 'fuzz.yaml'], { cwd: dir }),
          await runCli(['profiles', 'diff', 'fuzz.yaml', 'low-risk'], { cwd: dir }),
        ];
        for (const r of runs) {
          expect(r.code).toBe(2);
          for (const [, v] of entries) expect(`${r.stdout}${r.stderr}`).not.toContain(v);
        }
        rmSync(file, { force: true });
      }),
      { seed: SEED + 2, numRuns: 300 },
    );
  });
});
