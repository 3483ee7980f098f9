/**
 * The egress policy the gate enforces. Compiled from a profile by src/policy/compile; consumed by the
 * gate (egress/) and by `ccbox policy test`. Plain data so it can be serialised into the gate container.
 */
export interface EgressPolicy {
  /** `enforce` refuses what the policy denies; `report` logs what would be denied and lets it through. */
  mode: 'enforce' | 'report';
  /**
   * Allowed host patterns, normalised (lower case, no trailing dot). An exact name matches itself only;
   * `*.example.com` matches any subdomain of example.com but never example.com itself.
   */
  allowHosts: string[];
  /** Denied host patterns, same syntax; a deny always beats an allow. */
  denyHosts: string[];
  /** Allowed destination ports. */
  ports: number[];
  /**
   * Address ranges (CIDR) the tier explicitly allows even though they are loopback, private, link-local
   * or metadata ranges. Empty by default: such addresses are refused.
   */
  allowCidrs: string[];
  /** Upper bound on concurrent tunnels for the session. */
  maxTunnels: number;
  /** Time allowed to connect upstream. */
  connectTimeoutMs: number;
  /** A tunnel or request with no traffic either way for this long is closed. */
  idleTimeoutMs: number;
  /**
   * Ports where a CONNECT tunnel must open with a TLS ClientHello naming the CONNECT host (default
   * [443]). On other ports the first bytes must be TLS (checked the same way) or an HTTP request whose
   * Host is the CONNECT host.
   */
  tlsPorts?: number[];
  /** Ports where a tunnel may carry any protocol, unchecked (default none: e.g. [22] for git over ssh). */
  rawTunnelPorts?: number[];
  /** Whether a ClientHello without a server name may pass to a named host (default false). */
  allowMissingSni?: boolean;
  /** Time a client has for its request head, and a tunnel for its first bytes (default 10 000 ms). */
  headersTimeoutMs?: number;
  /** Content hash of the profile this was compiled from; every decision event carries it. */
  policyVersion: string;
}

/**
 * How a request ended: `allow` (forwarded), `deny` (refused by policy or by the gate's own checks),
 * `failed` (allowed, but the destination could not be reached) or `aborted` (the client went away
 * before the gate could forward). Why four: an audit must never read a failure as a success.
 */
export type EventDecision = 'allow' | 'deny' | 'failed' | 'aborted';
