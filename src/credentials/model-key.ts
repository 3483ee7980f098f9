import { lstatSync, readFileSync } from 'node:fs';
import { expandHome } from '../common/credential-stores.js';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { minimalHostEnv, runHostCommand } from '../host/command.js';
import type { CredentialPlan } from '../policy/plan.js';

/**
 * The real model key, read on the host at session start from where the tier says (an environment
 * variable, a file, or a command such as a secret manager's CLI). It is kept in memory only and handed
 * to the gate after the gate starts (session/gate.ts handOverToGate); the agent never sees it.
 */
export interface ModelKeyContext {
  hostEnv: Readonly<Record<string, string | undefined>>;
  home: string;
  /**
   * Claude Code sessions need the key: a missing variable is refused before anything is created. A
   * shell session takes it when it is there (the relay works in it too) and goes on without it.
   */
  required: boolean;
  signal?: AbortSignal | undefined;
}

const KEY_SHAPE = /^[\x21-\x7e]{8,4096}$/;
const COMMAND_TIMEOUT_MS = 10_000;

function refuse(
  message: string,
  code: 'MODEL_KEY_MISSING' | 'MODEL_KEY_UNREADABLE',
  hint: string,
): CcboxError {
  return new CcboxError(message, { code, exitCode: ExitCodes.invalidInput, hint });
}

/** One line of printable ASCII; anything else is refused without echoing it (it may be the wrong file). */
export function keyFrom(text: string, what: string): string {
  const key = text.replace(/\r?\n$/, '');
  if (!KEY_SHAPE.test(key))
    throw refuse(
      `${what} does not hold one line that looks like an API key`,
      'MODEL_KEY_UNREADABLE',
      `check ${what}: it should contain the key alone, on one line`,
    );
  return key;
}

/** Reads one credential from a host file (the model key, or a `credentials.secrets` entry). */
export function fromFile(file: string, home: string, label = 'the model key file'): string {
  const p = expandHome(file, home);
  let size: number;
  try {
    const st = lstatSync(p);
    // Why a regular file only: a FIFO would block the session start, a device could be anything.
    if (!st.isFile())
      throw refuse(
        `${label} ${p} is not a regular file`,
        'MODEL_KEY_UNREADABLE',
        'point credentials.model.file at the file that holds the key',
      );
    size = st.size;
  } catch (err) {
    if (err instanceof CcboxError) throw err;
    throw refuse(
      `${label} ${p} cannot be read`,
      'MODEL_KEY_MISSING',
      'create it (one line, mode 0600) or change credentials.model.file',
    );
  }
  if (size > 8192)
    throw refuse(
      `${label} ${p} is too large to be a key`,
      'MODEL_KEY_UNREADABLE',
      'point credentials.model.file at the file that holds the key alone',
    );
  return keyFrom(readFileSync(p, 'utf8'), `${label} ${p}`);
}

/** Runs a host command that prints one credential (the model key, or the subscription token). */
export async function fromCommand(
  argv: readonly string[],
  ctx: ModelKeyContext,
  label = 'the model key command',
): Promise<string> {
  const [cmd, ...args] = argv;
  const shown = argv.join(' ');
  // Why a minimal environment: the command gets what it needs to run (PATH, HOME), not ccbox's secrets.
  const env = { ...minimalHostEnv(ctx.hostEnv, ['HOME', 'USER', 'XDG_CONFIG_HOME', 'XDG_RUNTIME_DIR']) };
  const r = await runHostCommand(cmd ?? '', args, {
    env,
    timeoutMs: COMMAND_TIMEOUT_MS,
    signal: ctx.signal,
    maxBuffer: 64 * 1024,
  }).catch(() => undefined);
  if (r === undefined || r.code !== 0)
    throw refuse(
      `${label} \`${shown}\` ${r === undefined ? 'could not be run' : r.timedOut ? `took longer than ${COMMAND_TIMEOUT_MS / 1000} s` : `exited ${r.code}`}`,
      'MODEL_KEY_MISSING',
      'run it yourself to see why, or change credentials.model.command',
    );
  return keyFrom(r.stdout, `the output of \`${shown}\``);
}

/** The key the gate adds, or undefined for keyless endpoints (source none) and sessions without Claude. */
export async function resolveModelKey(
  plan: CredentialPlan,
  ctx: ModelKeyContext,
): Promise<string | undefined> {
  const m = plan.model;
  switch (m.source) {
    case 'none':
      return undefined;
    case 'oauth-token':
      // The subscription token is Claude Code's own, never the gate's (credentials/oauth-token.ts).
      return undefined;
    case 'file':
      return fromFile(m.file ?? '', ctx.home);
    case 'command':
      return fromCommand(m.command ?? [], ctx);
    case 'env': {
      const name = m.env ?? 'ANTHROPIC_API_KEY';
      const value = ctx.hostEnv[name];
      if (!value && !ctx.required) return undefined;
      // Claude Code without a key would start and fail at its first request; say so before anything is created.
      if (!value)
        throw refuse(
          `${name} is not set, so the gate has no model key to add for Claude Code`,
          'MODEL_KEY_MISSING',
          `export ${name}=… where you run ccbox (it goes to the gate only, never into the agent), or use a profile whose credentials.model.source is none`,
        );
      return keyFrom(value, `the variable ${name}`);
    }
  }
}
