import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import type { CredentialPlan, SecretPlan } from '../policy/plan.js';
import { fromCommand, fromFile, keyFrom, type ModelKeyContext } from './model-key.js';

/** One extra credential read on the host: its plan and its value (in memory only). */
export interface ResolvedSecret {
  plan: SecretPlan;
  value: string;
  /** Its lifetime in this session: the plan's, capped by the host's shorter one; undefined: the session. */
  ttlSeconds: number | undefined;
}

/**
 * Reads every `credentials.secrets` entry at session start, before anything is created. Why then: a
 * missing source is bad input (exit 2), and the value is read once, so a credential never changes
 * under a running session. `capSeconds` (CCBOX_TOKEN_TTL_SECONDS) only ever shortens a lifetime.
 */
export async function resolveSecrets(
  plan: CredentialPlan,
  ctx: ModelKeyContext,
  capSeconds?: number,
): Promise<ResolvedSecret[]> {
  const out: ResolvedSecret[] = [];
  for (const s of plan.secrets ?? []) {
    const what = `credential ${s.name}`;
    let value: string;
    if (s.source === 'file') value = fromFile(s.file ?? '', ctx.home, `the ${what} file`);
    else if (s.source === 'command') value = await fromCommand(s.command ?? [], ctx, `the ${what} command`);
    else {
      const v = ctx.hostEnv[s.env ?? ''];
      if (!v)
        throw new CcboxError(`${s.env} is not set, so the session has no value for ${what}`, {
          code: 'MODEL_KEY_MISSING',
          exitCode: ExitCodes.invalidInput,
          hint: `export ${s.env}=… where you run ccbox, or remove credentials.secrets.${s.name} from the profile`,
        });
      value = keyFrom(v, `the variable ${s.env}`);
    }
    const ttls = [s.ttlSeconds, capSeconds].filter((t): t is number => t !== undefined);
    out.push({ plan: s, value, ttlSeconds: ttls.length > 0 ? Math.min(...ttls) : undefined });
  }
  return out;
}
