import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadOptionsFrom, type CliContext } from '../context.js';
import { credentialsCheck } from './doctor-credentials.js';
import { readSettings } from '../settings.js';
import { line, printJson } from '../output.js';
import { connectFromSettings } from '../engine.js';
import type { Engine } from '../../engine/engine.js';
import { DEFAULT_BASE_IMAGE } from '../../image/base-image.js';
import { DEFAULT_CLAUDE_CODE_VERSION } from '../../claude-code-version.js';
import { platformPackage } from '../../image/npm-platform.js';
import { keyringProblem } from '../../image/debian-verify.js';
import { describeError } from '../../errors.js';
import { ExitCodes } from '../../exit-codes.js';

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}

function nodeCheck(): Check {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 22
    ? { name: 'node', status: 'ok', detail: `Node ${process.versions.node}` }
    : {
        name: 'node',
        status: 'fail',
        detail: `Node ${process.versions.node}`,
        hint: 'ccbox needs Node >= 22 (npm install -g node@24, or your version manager)',
      };
}

function caCheck(ca: string | undefined, hostExtra: string | undefined): Check {
  if (ca === undefined) {
    return hostExtra
      ? {
          name: 'ca',
          status: 'warn',
          detail: `the host trusts an extra CA (NODE_EXTRA_CA_CERTS=${hostExtra}) but the sandbox will not`,
          hint: `if the agent reaches TLS through the same proxy, pass --ca-file ${hostExtra} or set CCBOX_EXTRA_CA_CERTS`,
        }
      : { name: 'ca', status: 'ok', detail: 'no extra CA configured' };
  }
  try {
    const text = readFileSync(ca, 'utf8');
    const count = text.split('-----BEGIN CERTIFICATE-----').length - 1;
    if (count === 0)
      return {
        name: 'ca',
        status: 'fail',
        detail: `${ca} holds no PEM certificate`,
        hint: 'point CCBOX_EXTRA_CA_CERTS at a PEM bundle',
      };
    return { name: 'ca', status: 'ok', detail: `${ca}: ${count} certificate${count === 1 ? '' : 's'}` };
  } catch (err) {
    return {
      name: 'ca',
      status: 'fail',
      detail: `cannot read ${ca}: ${describeError(err)}`,
      hint: 'fix the path in CCBOX_EXTRA_CA_CERTS or --ca-file',
    };
  }
}

async function engineChecks(engine: Engine, baseImage: string): Promise<Check[]> {
  const checks: Check[] = [];
  const info = await engine.info();
  const [major = 0, minor = 0] = info.version.split('.').map((n) => Number.parseInt(n, 10));
  const oldDocker = info.kind === 'docker' && (major < 20 || (major === 20 && minor < 10));
  checks.push(
    oldDocker
      ? {
          name: 'engine',
          status: 'fail',
          detail: `docker ${info.version}`,
          hint: 'ccbox needs Docker >= 20.10 or Podman',
        }
      : {
          name: 'engine',
          status: 'ok',
          detail: `${info.kind} ${info.version} (API ${info.apiVersion}${info.rootless ? ', rootless' : ''})`,
        },
  );
  const base = await engine.inspectImage(baseImage);
  checks.push(
    base
      ? { name: 'base image', status: 'ok', detail: `${baseImage} (${base.id.slice(0, 19)})` }
      : {
          name: 'base image',
          status: 'fail',
          detail: `${baseImage} is missing`,
          hint: 'build it with `sudo ccbox image base` (Debian from a mirror; no registry needed), or set CCBOX_BASE_IMAGE to a local image',
        },
  );
  const sessions = await engine.listSessions();
  const stale = sessions.filter((s) => s.orphaned);
  checks.push(
    stale.length === 0
      ? {
          name: 'sessions',
          status: 'ok',
          detail: `${sessions.length} live session${sessions.length === 1 ? '' : 's'}`,
        }
      : {
          name: 'sessions',
          status: 'warn',
          detail: `${stale.length} session${stale.length === 1 ? '' : 's'} left behind`,
          hint: 'remove them with `ccbox gc`',
        },
  );
  return checks;
}

/** Registers `ccbox doctor`: checks what a session needs and says how to fix each problem. */
export function registerDoctor(program: Command, ctx: CliContext, done: (code: number) => void): void {
  program
    .command('doctor')
    .description('Check the engine, base image, image cache and CA; say how to fix each problem')
    .option('--json', 'print the checks as JSON')
    .option('-p, --profile <profile>', 'the profile whose credentials to check', 'low-risk')
    .action(async (opts: { json?: boolean; profile: string }) => {
      const settings = readSettings(ctx);
      const checks: Check[] = [nodeCheck()];
      try {
        const engine = await connectFromSettings(settings);
        checks.push(...(await engineChecks(engine, settings.baseImage ?? DEFAULT_BASE_IMAGE)));
      } catch (err) {
        checks.push({
          name: 'engine',
          status: 'fail',
          detail: describeError(err),
          hint: 'start Docker (>= 20.10) or `podman system service --time=0`, or set DOCKER_HOST',
        });
      }
      const pkg = platformPackage(os.arch());
      const cached = existsSync(
        path.join(settings.cacheDir, 'bin', `${pkg.replace(/[@/]/g, '_')}-${DEFAULT_CLAUDE_CODE_VERSION}`),
      );
      checks.push(
        cached
          ? {
              name: 'image cache',
              status: 'ok',
              detail: `Claude Code ${DEFAULT_CLAUDE_CODE_VERSION} cached in ${settings.cacheDir}`,
            }
          : {
              name: 'image cache',
              status: 'warn',
              detail: `Claude Code ${DEFAULT_CLAUDE_CODE_VERSION} not cached yet`,
              hint: `the first run fetches ${pkg}@${DEFAULT_CLAUDE_CODE_VERSION} from ${settings.registry} (about 190 MB) and verifies its digest`,
            },
      );
      checks.push(caCheck(settings.extraCaCerts, ctx.env.NODE_EXTRA_CA_CERTS));
      checks.push(credentialsCheck(opts.profile, loadOptionsFrom(ctx)));
      // A warning, not a failure: sessions run from an existing base image; only `image base` needs it.
      const keyring = await keyringProblem();
      checks.push(
        keyring === null
          ? {
              name: 'keyring',
              status: 'ok',
              detail: 'Debian archive keyring present (base images are verified)',
            }
          : { name: 'keyring', status: 'warn', ...keyring },
      );
      if (opts.json) printJson(ctx.stdout, checks);
      else {
        for (const c of checks) {
          line(
            ctx.stdout,
            `${c.status === 'ok' ? '✓' : c.status === 'warn' ? '!' : '✗'} ${c.name.padEnd(12)} ${c.detail}`,
          );
          if (c.hint && c.status !== 'ok') line(ctx.stdout, `  ${' '.repeat(12)} fix: ${c.hint}`);
        }
      }
      done(checks.some((c) => c.status === 'fail') ? ExitCodes.checkFailed : ExitCodes.ok);
    });
}
