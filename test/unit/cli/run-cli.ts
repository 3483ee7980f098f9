import { PassThrough } from 'node:stream';
import { main } from '../../../src/cli/main.js';
import type { CliContext } from '../../../src/cli/context.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured streams, a fixed day and a fake home. */
export async function runCli(
  argv: string[],
  opts: { cwd?: string; today?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const ctx: CliContext = {
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    home: '/home/tester',
    today: opts.today ?? '2026-11-27',
    stdout,
    stderr,
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
  };
  const code = await main(argv, ctx);
  return { code, stdout: out, stderr: err };
}
