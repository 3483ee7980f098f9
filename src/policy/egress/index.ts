// Why one entry point: the gate (egress/) and `ccbox policy test` import the same decision code.
export type { EgressPolicy, EventDecision } from './types.js';
export type { Cidr, IpAddress } from '../../common/address.js';
export { cidrContains, parseCidr, parseIpAddress } from '../../common/address.js';
export type { AddressCategory, AddressClass } from '../../common/ranges.js';
export { classifyAddress } from '../../common/ranges.js';
export type { Authority, ParsedHost } from './host.js';
export { hostText, nonCanonicalReason, normaliseHost, parseAuthority } from './host.js';
export type { HostPatterns } from './patterns.js';
export { compilePatterns, matchHost, normalisePattern } from './patterns.js';
export type { CompiledEgressPolicy } from './policy.js';
export { compileEgressPolicy, EgressPolicyError, parseEgressPolicy, TUNNEL_DEFAULTS } from './policy.js';
export type { AddressVerdict, EgressTarget, TargetVerdict, Verdict } from './decide.js';
export { decideAddresses, decideTarget } from './decide.js';
