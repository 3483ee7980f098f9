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
  /** Content hash of the profile this was compiled from; every decision event carries it. */
  policyVersion: string;
}

/** One decision of the gate, written as a JSON line (a later issue stores and exports these). */
export interface EgressEvent {
  type: 'egress';
  session: string;
  time: string;
  method: 'CONNECT' | 'HTTP';
  host: string;
  port: number;
  /** The address the gate resolved and connected to (or would have), when there was one. */
  address: string | null;
  /** The rule that decided, e.g. `allow:*.example.com`, `deny:private-address`, `deny:not-allowlisted`. */
  rule: string;
  decision: 'allow' | 'deny';
  mode: 'enforce' | 'report';
  /** Whether the request actually went through (report mode lets denied requests through). */
  forwarded: boolean;
  reason: string;
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  policyVersion: string;
}
