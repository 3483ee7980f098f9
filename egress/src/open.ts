import { decideAddresses } from '../../src/policy/egress/index.js';
import type { AddressVerdict, TargetVerdict, Verdict } from '../../src/policy/egress/index.js';
import type { GateContext } from './context.js';
import { deadline } from './deadline.js';
import { refusal } from './context.js';
import { statusFor } from './respond.js';
import { connectFirst } from './upstream.js';
import type { Upstream, UpstreamReader } from './upstream.js';

/** Either a connected upstream for a forwarded request, or why there is none and what to answer. */
export type OpenResult =
  | { ok: true; verdict: AddressVerdict; upstream: Upstream }
  | {
      ok: false;
      verdict: Verdict;
      status: number;
      address: string | null;
      reason: string;
      /** `failed` when the destination was allowed but could not be found or reached. */
      outcome?: 'failed';
    };

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Resolves once (unless the target is a literal), checks every answer, and connects to a checked
 * address. Why one function for CONNECT and HTTP: both paths must make the same decision in the same
 * order, and the address decided is the address dialled.
 */
export async function openUpstream(
  ctx: GateContext,
  target: TargetVerdict,
  signal: AbortSignal,
  reader?: UpstreamReader,
): Promise<OpenResult> {
  const timeoutMs = ctx.policy.source.connectTimeoutMs;
  let answers: readonly string[];
  if (target.kind === 'address' && target.address !== null) {
    answers = [target.address];
  } else {
    const lookup = deadline(signal, timeoutMs, 'lookup');
    try {
      answers = await ctx.resolver(target.host, lookup.signal);
    } catch (error) {
      const verdict = refusal('deny:dns-failure', `cannot resolve ${target.host}: ${message(error)}`);
      return { ok: false, verdict, status: 502, address: null, reason: verdict.reason, outcome: 'failed' };
    } finally {
      lookup.dispose();
    }
  }
  const verdict = decideAddresses(ctx.policy, target, answers);
  if (!verdict.forwarded) {
    return {
      ok: false,
      verdict,
      status: statusFor(verdict.rule),
      address: verdict.address,
      reason: verdict.reason,
    };
  }
  try {
    const upstream = await connectFirst(
      verdict.candidates,
      target.port,
      ctx.connector,
      timeoutMs,
      signal,
      reader,
    );
    return { ok: true, verdict, upstream };
  } catch (error) {
    const reason = `cannot connect to ${target.host}:${target.port}: ${message(error)}`;
    return { ok: false, verdict, status: 502, address: verdict.address, reason, outcome: 'failed' };
  }
}
