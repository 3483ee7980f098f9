import { OAUTH_MODE_WARNING } from '../../credentials/oauth-token.js';
import { validateProfile, type LoadOptions } from '../../profile/load.js';
import { describeError } from '../../errors.js';

/** One doctor check (same shape as doctor.ts's). */
export interface CredentialCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}

/**
 * How the profile's sessions authenticate to the model. Why a warning for subscription mode: the
 * user's one-year token is then inside the agent, the one credential ccbox otherwise keeps out of it.
 */
export function credentialsCheck(ref: string, opts: LoadOptions): CredentialCheck {
  let result: ReturnType<typeof validateProfile>;
  try {
    result = validateProfile(ref, opts);
  } catch (err) {
    return { name: 'credentials', status: 'fail', detail: `profile ${ref}: ${describeError(err)}` };
  }
  if (!result.profile)
    return {
      name: 'credentials',
      status: 'fail',
      detail: `profile ${ref} is invalid`,
      hint: `\`ccbox profiles validate ${ref}\` names each problem`,
    };
  const model = result.profile.credentials.model;
  if (model.source === 'oauth-token')
    return {
      name: 'credentials',
      status: 'warn',
      detail: `profile ${ref}: ${OAUTH_MODE_WARNING}`,
      hint: 'use an API key (credentials.model.source env, file or command), a company gateway, Bedrock or Vertex',
    };
  const where = model.source === 'env' ? ` (${model.env})` : '';
  return {
    name: 'credentials',
    status: 'ok',
    detail: `profile ${ref}: model key from ${model.source}${where}, held by the gate, never the agent`,
  };
}
