import type { Socket } from 'node:net';
import type { TargetVerdict } from '../../src/policy/egress/index.js';
import { tlsAlert } from './client-hello.js';
import type { GateContext } from './context.js';
import { refuseSocket } from './respond.js';
import { checkTunnelStart } from './tunnel-check.js';

/** What holdFirstBytes does once it has decided. */
export interface FirstBytesOutcome {
  /** The checked bytes (everything the client sent so far), to be written upstream first. */
  pass(first: Buffer): void;
  /** Refused: record it, close the upstream, then call `answer` to tell the client and close. */
  refuse(rule: string, reason: string, answer: () => void): void;
}

const GRACE_MS = 2_000;

/**
 * Holds what the client sends into a fresh tunnel until tunnel-check.ts can decide on it, within the
 * header deadline. Why here and not in the upstream: nothing of it may reach the upstream before the
 * decision, so it stays in the gate (at most a ClientHello or a request head, 64 KiB).
 */
export function holdFirstBytes(
  ctx: GateContext,
  client: Socket,
  target: TargetVerdict,
  head: Buffer,
  outcome: FirstBytesOutcome,
): void {
  let held = head;
  let done = false;
  const finish = (): void => {
    done = true;
    clearTimeout(timer);
    client.off('data', onData);
    client.off('close', finish);
    client.off('end', onEnd);
  };
  // A client that half-closes before its first bytes were decided has nothing to forward: it is gone.
  const onEnd = (): void => {
    finish();
    client.destroy();
  };
  const refuse = (rule: string, reason: string, answer: 'tls' | 'http'): void => {
    finish();
    outcome.refuse(rule, reason, () => {
      if (answer === 'http') return refuseSocket(client, 403, rule, reason);
      client.resume();
      client.setTimeout(GRACE_MS, () => client.destroy());
      client.end(tlsAlert(rule === 'deny:sni-mismatch' ? 'unrecognized_name' : 'access_denied'));
    });
  };
  const decide = (): void => {
    const verdict = checkTunnelStart(ctx.policy, target, held);
    if (verdict.status === 'more') return;
    if (verdict.status === 'refuse') return refuse(verdict.rule, verdict.reason, verdict.answer);
    // Paused before the listener goes: a flowing socket with no listener would drop bytes.
    client.pause();
    finish();
    outcome.pass(held);
  };
  const onData = (chunk: Buffer): void => {
    held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
    decide();
  };
  const ms = ctx.policy.headersTimeoutMs;
  const timer = setTimeout(() => {
    if (done || client.destroyed) return;
    const why = `no complete ClientHello or request head within ${ms} ms of the tunnel opening`;
    refuse('deny:first-bytes-timeout', why, held.length > 0 && held[0] === 22 ? 'tls' : 'http');
  }, ms);
  client.on('data', onData);
  client.once('close', finish);
  client.once('end', onEnd);
  decide();
}
