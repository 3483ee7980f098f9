import { normaliseHost } from './host.js';

/** A compiled list of host patterns: exact names and `*.suffix` wildcards, each kept as written. */
export interface HostPatterns {
  /** Normalised exact name → the pattern as it appears in rules. */
  exact: ReadonlyMap<string, string>;
  /** Normalised `.suffix` (with the leading dot) → the pattern as it appears in rules. */
  suffixes: ReadonlyMap<string, string>;
  size: number;
}

/**
 * Normalises one pattern the same way hosts are normalised (lower case, trailing dot, IDN to punycode).
 * Returns the pattern or a one-line problem. Why so strict: a pattern that cannot match what it seems
 * to say (an address, a port, a bare `*`) is a policy mistake that must fail loudly, not silently.
 */
export function normalisePattern(raw: string): { pattern: string } | { problem: string } {
  if (raw === '*' || raw === '*.') return { problem: `"${raw}" matches every host` };
  const wildcard = raw.startsWith('*.');
  const rest = wildcard ? raw.slice(2) : raw;
  if (rest.includes('*'))
    return { problem: `"${raw}": "*" is only allowed as a whole first label ("*.example.com")` };
  const parsed = normaliseHost(rest);
  switch (parsed.kind) {
    case 'invalid':
      return { problem: `"${raw}": ${parsed.reason}` };
    case 'address':
      return { problem: `"${raw}" is an address; list address ranges in allowCidrs` };
    case 'name':
      if (wildcard && !parsed.name.includes('.'))
        return { problem: `"${raw}" matches a whole top-level domain` };
      return { pattern: wildcard ? `*.${parsed.name}` : parsed.name };
  }
}

/** Compiles normalised patterns (see normalisePattern) for matching. */
export function compilePatterns(patterns: readonly string[]): HostPatterns {
  const exact = new Map<string, string>();
  const suffixes = new Map<string, string>();
  for (const pattern of patterns) {
    if (pattern.startsWith('*.')) suffixes.set(pattern.slice(1), pattern);
    else exact.set(pattern, pattern);
  }
  return { exact, suffixes, size: patterns.length };
}

/**
 * The pattern that matches a normalised host name, or null. `*.example.com` matches `a.example.com` and
 * `a.b.example.com` but never `example.com` nor `evil-example.com`: suffixes are compared at label
 * boundaries only. An exact match wins over a wildcard so the recorded rule is the most specific.
 */
export function matchHost(patterns: HostPatterns, name: string): string | null {
  const exact = patterns.exact.get(name);
  if (exact !== undefined) return exact;
  if (patterns.suffixes.size === 0) return null;
  // Walk the label boundaries from the longest proper suffix down: ".b.example.com", ".example.com", ".com".
  for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
    const match = patterns.suffixes.get(name.slice(dot));
    if (match !== undefined) return match;
  }
  return null;
}
