import { cidrContains } from '../../common/address.js';
import type { Cidr, IpAddress } from '../../common/address.js';
import { hostText, nonCanonicalReason, normaliseHost } from './host.js';
import { matchHost } from './patterns.js';
import type { CompiledEgressPolicy } from './policy.js';
import { classifyAddress } from '../../common/ranges.js';
import type { AddressClass } from '../../common/ranges.js';

/** One decision: what the policy says, which rule said it, why (one line), and whether traffic flows. */
export interface Verdict {
  decision: 'allow' | 'deny';
  /** e.g. `allow:*.example.com`, `allow:cidr:127.0.0.1/32`, `deny:not-allowlisted`, `deny:private-address`. */
  rule: string;
  reason: string;
  /** True when allowed, or denied by a report-mode rule that only records (see `deny` below). */
  forwarded: boolean;
}

/** A destination as a request names it: host in any spelling (brackets for IPv6), and port. */
export interface EgressTarget {
  host: string;
  port: number;
}

/** The verdict on a target before any lookup. */
export interface TargetVerdict extends Verdict {
  /** The normalised host (name, dotted IPv4, `[v6]`), or the raw host when invalid. */
  host: string;
  port: number;
  /** `name` needs a lookup; `address` is a literal and connects to `address` with no lookup. */
  kind: 'name' | 'address' | 'invalid';
  address: string | null;
}

/** The verdict once the addresses to connect to are known. */
export interface AddressVerdict extends Verdict {
  /** The refused address when one was refused, else the first candidate; null when there was none. */
  address: string | null;
  /** Checked addresses the gate may connect to, in order; empty unless forwarded. */
  candidates: readonly string[];
}

// Why two kinds of deny: report mode exists to roll out allowlists (names, ports, public literals), so
// those denials are recorded and let through. Address-safety denials (loopback, private, link-local,
// metadata, mapped, malformed) hold in both modes: report mode must never open the metadata endpoint.
function deny(policy: CompiledEgressPolicy, rule: string, reason: string, hard: boolean): Verdict {
  return { decision: 'deny', rule, reason, forwarded: !hard && policy.mode === 'report' };
}

function portList(policy: CompiledEgressPolicy): string {
  return [...policy.ports].join(', ') || 'none';
}

// The allowCidrs entry that exempts an address, if any. Why metadata needs an exact /32 or /128: a tier
// that opens a private range for an internal service must not open the credential endpoint with it.
function exemption(policy: CompiledEgressPolicy, address: IpAddress, cls: AddressClass): Cidr | undefined {
  const full = address.family === 4 ? 32 : 128;
  return policy.allowCidrs.find(
    (cidr) => cidrContains(cidr, address) && (cls.category !== 'metadata' || cidr.prefix === full),
  );
}

/**
 * Decides a target before any DNS lookup: host validity, address literals, deny then allow patterns,
 * ports. Deny patterns beat allow patterns; literals pass only inside allowCidrs (ports still apply).
 * A host that is not already canonical is refused in every mode (host.ts says why).
 */
export function decideTarget(policy: CompiledEgressPolicy, target: EgressTarget): TargetVerdict {
  const parsed = normaliseHost(target.host);
  const host = hostText(parsed, target.host);
  const spelling = nonCanonicalReason(parsed, target.host);
  const base = { host, port: target.port, address: null };
  const portOk = policy.ports.has(target.port);
  const badPort = `port ${target.port} is not allowed (allowed: ${portList(policy)})`;
  switch (parsed.kind) {
    case 'invalid':
      return {
        ...base,
        kind: 'invalid',
        ...deny(policy, 'deny:invalid-host', `invalid host: ${parsed.reason}`, true),
      };
    case 'address': {
      const literal = { ...base, kind: 'address' as const };
      if (parsed.zone !== null) {
        return {
          ...literal,
          ...deny(policy, 'deny:address-zone-id', `${host} carries an interface zone id`, true),
        };
      }
      const cls = classifyAddress(parsed.address);
      const cidr = exemption(policy, parsed.address, cls);
      const address = parsed.address.text;
      if (cidr === undefined && cls.category !== 'public') {
        return {
          ...literal,
          address,
          ...deny(policy, `deny:${cls.category}-address`, `${host} is ${cls.label}`, true),
        };
      }
      if (spelling !== null)
        return { ...literal, address, ...deny(policy, 'deny:non-canonical-host', spelling, true) };
      if (cidr === undefined) {
        const why = `${host} is an address literal; name the host, or allow its range in allowCidrs`;
        return { ...literal, address, ...deny(policy, 'deny:address-literal', why, false) };
      }
      if (!portOk) return { ...literal, address, ...deny(policy, 'deny:port', badPort, false) };
      const reason = `${host} is inside the allowed range ${cidr.text}`;
      return {
        ...literal,
        address,
        decision: 'allow',
        rule: `allow:cidr:${cidr.text}`,
        reason,
        forwarded: true,
      };
    }
    case 'name': {
      const named = { ...base, kind: 'name' as const };
      if (spelling !== null) return { ...named, ...deny(policy, 'deny:non-canonical-host', spelling, true) };
      const denied = matchHost(policy.deny, parsed.name);
      if (denied !== null) {
        return {
          ...named,
          ...deny(policy, `deny:host:${denied}`, `${host} matches the deny pattern ${denied}`, false),
        };
      }
      const allowed = matchHost(policy.allow, parsed.name);
      if (allowed === null) {
        return {
          ...named,
          ...deny(policy, 'deny:not-allowlisted', `${host} is not on the allowlist`, false),
        };
      }
      if (!portOk) return { ...named, ...deny(policy, 'deny:port', badPort, false) };
      const reason = `${host} matches ${allowed}`;
      return { ...named, decision: 'allow', rule: `allow:${allowed}`, reason, forwarded: true };
    }
  }
}

/**
 * Checks every address a target resolved to (or its literal), before any connect. Why all of them and
 * not just the one used: an answer mixing public and private addresses is a DNS-rebinding tell, and
 * which one a client would pick should not decide safety. Any refused address refuses the request.
 */
export function decideAddresses(
  policy: CompiledEgressPolicy,
  target: TargetVerdict,
  answers: readonly string[],
): AddressVerdict {
  if (target.kind === 'invalid' || !target.forwarded) return { ...target, candidates: [] };
  if (answers.length === 0) {
    return {
      ...deny(policy, 'deny:dns-no-address', `${target.host} has no address`, true),
      address: null,
      candidates: [],
    };
  }
  const candidates: string[] = [];
  for (const answer of answers) {
    const parsed = normaliseHost(answer);
    if (parsed.kind !== 'address') {
      const why = `${target.host} resolved to something that is not an address`;
      return {
        ...deny(policy, 'deny:invalid-address', why, true),
        address: answer.slice(0, 64),
        candidates: [],
      };
    }
    const text = parsed.address.text;
    if (parsed.zone !== null) {
      const why = `${target.host} resolves to ${text} with an interface zone id`;
      return { ...deny(policy, 'deny:address-zone-id', why, true), address: text, candidates: [] };
    }
    const cls = classifyAddress(parsed.address);
    if (cls.category !== 'public' && exemption(policy, parsed.address, cls) === undefined) {
      const why = `${target.host} resolves to ${text}: ${cls.label}`;
      return { ...deny(policy, `deny:${cls.category}-address`, why, true), address: text, candidates: [] };
    }
    if (!candidates.includes(text)) candidates.push(text);
  }
  const { decision, rule, reason, forwarded } = target;
  return { decision, rule, reason, forwarded, address: candidates[0] ?? null, candidates };
}
