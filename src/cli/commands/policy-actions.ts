import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { CliContext } from '../context.js';
import { loadOptionsFrom } from '../context.js';
import type { Writable } from 'node:stream';
import { listBuiltinProfiles, loadProfile } from '../../profile/load.js';
import { compile } from '../../policy/compile/compile.js';
import { loadShellParser } from '../../policy/hook/parser.js';
import { createDecider } from '../../policy/hook/decide.js';
import {
  fixtureFileSchema,
  runCase,
  summarise,
  type FixtureCase,
  type RedTeamRecord,
} from '../../policy/hook/fixtures.js';
import { CcboxError } from '../../errors.js';
import { ExitCodes } from '../../exit-codes.js';
import { builtinFixturesDir } from '../../paths.js';

interface FixtureFile {
  name: string;
  cases: FixtureCase[];
}

function fixtureFiles(refs: readonly string[], cwd: string): string[] {
  const roots = refs.length > 0 ? refs.map((r) => path.resolve(cwd, r)) : [builtinFixturesDir()];
  const out: string[] = [];
  for (const root of roots) {
    let isDir: boolean;
    try {
      isDir = statSync(root).isDirectory();
    } catch (cause) {
      throw new CcboxError(`fixture ${root} cannot be read`, {
        code: 'POLICY_FIXTURE_INVALID',
        exitCode: ExitCodes.invalidInput,
        cause,
        hint: 'name a fixture file (.yaml, .json) or a directory of them',
      });
    }
    if (!isDir) out.push(root);
    else
      for (const f of readdirSync(root).sort()) if (/\.(ya?ml|json)$/.test(f)) out.push(path.join(root, f));
  }
  return out;
}

// Why no content in the error: a file that is not a fixture may be anything (a secret named by mistake).
function readFixture(file: string): FixtureFile {
  let value: unknown;
  try {
    value = parse(readFileSync(file, 'utf8'), { maxAliasCount: 64 });
  } catch (cause) {
    throw new CcboxError(`fixture ${file} is not valid YAML or JSON`, {
      code: 'POLICY_FIXTURE_INVALID',
      exitCode: ExitCodes.invalidInput,
      cause,
      hint: 'a fixture file is a mapping with a `cases:` list',
    });
  }
  const parsed = fixtureFileSchema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues
      .slice(0, 10)
      .map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new CcboxError(`fixture ${file} is not a valid list of cases`, {
      code: 'POLICY_FIXTURE_INVALID',
      exitCode: ExitCodes.invalidInput,
      details,
      hint: 'each case has a name, `bash:` or `input:`, and `expect:`',
    });
  }
  return { name: path.basename(file), cases: parsed.data.cases };
}

function recordLines(r: RedTeamRecord): string[] {
  const what = r.evidence.normalised ?? r.evidence.paths?.join(', ') ?? '';
  return [
    `${r.status === 'pass' ? 'PASS' : 'FAIL'} ${r.profile.padEnd(20)} ${r.fixture}`,
    `     expected ${r.expected}  actual ${r.actual}  rule ${r.evidence.rule}${what ? `  normalised ${JSON.stringify(what.slice(0, 160))}` : ''}`,
  ];
}

// Why one write with a callback: the report runs to thousands of lines, and main exits the process as
// soon as the command returns; a pipe (| less, | grep) would otherwise get a truncated report.
function writeAll(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (err) => (err ? reject(err) : resolve())));
}

/** `ccbox policy test`: runs fixtures against each tier's compiled policy; returns the exit code. */
export async function testPolicy(
  ctx: CliContext,
  refs: readonly string[],
  opts: { profile?: string; json?: boolean; failures?: boolean },
): Promise<number> {
  const opt = loadOptionsFrom(ctx);
  const files = fixtureFiles(refs, ctx.cwd).map(readFixture);
  const profiles = opts.profile !== undefined ? [opts.profile] : listBuiltinProfiles(opt.builtinDir);
  const decide = createDecider(await loadShellParser());
  const records: RedTeamRecord[] = [];
  for (const ref of profiles) {
    const plan = compile(loadProfile(ref, opt).profile);
    for (const f of files) for (const c of f.cases) records.push(runCase(decide, plan, c, f.name));
  }
  const failed = records.filter((r) => r.status === 'fail');
  const summary = summarise(records);
  if (opts.json) {
    await writeAll(ctx.stdout, `${JSON.stringify({ records, summary, failed: failed.length }, null, 2)}\n`);
    return failed.length > 0 ? ExitCodes.checkFailed : ExitCodes.ok;
  }
  const out: string[] = [];
  for (const r of records) if (!opts.failures || r.status === 'fail') out.push(...recordLines(r));
  const n = (v: number, w: number): string => String(v).padStart(w);
  out.push('', 'profile              tag           cases  pass  allow  ask  deny');
  for (const s of summary) {
    out.push(
      `${s.profile.padEnd(20)} ${s.tag.padEnd(13)} ${n(s.cases, 5)} ${n(s.passed, 5)} ${n(s.allowed, 6)} ${n(s.asked, 4)} ${n(s.denied, 5)}`,
    );
  }
  out.push(`${records.length - failed.length}/${records.length} cases pass`);
  await writeAll(ctx.stdout, `${out.join('\n')}\n`);
  return failed.length > 0 ? ExitCodes.checkFailed : ExitCodes.ok;
}
