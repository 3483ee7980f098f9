import type { HeaderCredential } from '../../src/policy/plan.js';
import { readFile, rm } from 'node:fs/promises';

/**
 * What the host hands the running gate after it starts, over `exec` with stdin into the gate's own
 * tmpfs. Why this channel: the container's environment and config are shown by `docker inspect` to
 * anyone with engine access and stored by the engine; an exec's stdin is neither. The file is read
 * once and removed, so the key then exists only in the gate process's memory.
 */
export type { HeaderCredential };

export interface GateControl {
  /** The real model key the relay adds; absent for keyless endpoints. */
  modelKey?: string;
  /** Subscription mode: Claude Code's own token, which the gate hands to the agent once (oauth-endpoint.ts). */
  oauthToken?: string;
  /** Header credentials (credentials.secrets, deliver header) the credential relay adds. */
  credentials?: HeaderCredential[];
  /** The gate's address on the session's internal network (the relay answers only there). */
  internalAddress?: string;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';

function parseCredentials(raw: unknown): HeaderCredential[] {
  if (!Array.isArray(raw)) throw new Error('the control file has credentials that are not a list');
  return raw.map((c: Record<string, unknown>) => {
    const ok =
      isText(c.name) &&
      isText(c.value) &&
      isText(c.header) &&
      isText(c.format) &&
      Array.isArray(c.origins) &&
      c.origins.every(isText) &&
      (c.expiresAt === undefined || typeof c.expiresAt === 'number');
    if (!ok) throw new Error('the control file has a credential that is not well formed');
    return c as unknown as HeaderCredential;
  });
}

function parse(text: string): GateControl {
  const raw = JSON.parse(text) as unknown;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error('the control file is not an object');
  const { modelKey, oauthToken, internalAddress, credentials } = raw as Record<string, unknown>;
  if (modelKey !== undefined && (typeof modelKey !== 'string' || modelKey === ''))
    throw new Error('the control file has a model key that is not a non-empty string');
  if (oauthToken !== undefined && (typeof oauthToken !== 'string' || oauthToken === ''))
    throw new Error('the control file has a subscription token that is not a non-empty string');
  if (oauthToken !== undefined && modelKey !== undefined)
    throw new Error('the control file has both a model key and a subscription token');
  if (internalAddress !== undefined && typeof internalAddress !== 'string')
    throw new Error('the control file has an internal address that is not a string');
  return {
    ...(modelKey !== undefined ? { modelKey } : {}),
    ...(oauthToken !== undefined ? { oauthToken } : {}),
    ...(credentials !== undefined ? { credentials: parseCredentials(credentials) } : {}),
    ...(internalAddress !== undefined ? { internalAddress } : {}),
  };
}

/** Waits for the host's control file, reads it, removes it. Rejects after `timeoutMs` (fail closed). */
export async function receiveControl(path: string, timeoutMs: number): Promise<GateControl> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const text = await readFile(path, 'utf8');
      await rm(path, { force: true });
      return parse(text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (Date.now() > end)
      throw new Error(`the host did not hand over the session's control file within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
