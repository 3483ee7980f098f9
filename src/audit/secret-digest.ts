/**
 * Redacting the tier's secret values without giving the gate the values. Why digests: the gate has a
 * route out and parses untrusted traffic; if it held the `.env` values, a bug in it would hand them
 * over. The host reads the secret files at session start and gives the gate a per-session salt and
 * the salted digests (SHA-256, 128 bits) of every value; the gate cuts each string it logs into
 * candidate tokens the same way and replaces those whose digest matches. What this misses, by design:
 * a value glued to other text without a delimiter, and encoded forms (base64 of a value); values
 * shorter than MIN_SECRET_LENGTH are not carried (they are no secret, and their digest would give them
 * away to a dictionary).
 */
export interface SecretDigests {
  /** Hex, random per session. Why a salt: a digest from one session says nothing in another. */
  salt: string;
  /** Hex digests of the values (and of their tokens), sorted: salted SHA-256, 128 bits. */
  digests: string[];
}

export const MIN_SECRET_LENGTH = 8;

// Two cuts (and quoted strings, below): shell words (whitespace, quotes, operators), then inside them (`KEY=v`, `u:p@h`, `a/b?t=v`,
// `v.evil.com`). A value is found when it stands between delimiters of either cut.
const CUTS = [/[\s"'`;&|<>(){}[\],\\]+/g, /[\s"'`;&|<>(){}[\],\\=:@/?#.%+]+/g];
const QUOTED = /"([^"]*)"|'([^']*)'/g;

/** Every candidate token of `text` (start and end offsets), long enough to be a secret. */
function spans(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const cut of CUTS) {
    let start = 0;
    for (const m of text.matchAll(cut)) {
      if (m.index - start >= MIN_SECRET_LENGTH) out.push([start, m.index]);
      start = m.index + m[0].length;
    }
    if (text.length - start >= MIN_SECRET_LENGTH) out.push([start, text.length]);
  }
  // And what stands between quotes, for a value with spaces in it (`-p "a long pass phrase"`).
  for (const m of text.matchAll(QUOTED)) {
    const inner = m[1] ?? m[2] ?? '';
    if (inner.length >= MIN_SECRET_LENGTH) out.push([m.index + 1, m.index + 1 + inner.length]);
  }
  return out;
}

/**
 * SHA-256 of the salt and the value, 128 bits kept. Why not HMAC: only equality is ever checked, so
 * length extension gives nothing, and the one-shot hash costs a fifth as much (test/bench/audit.mjs).
 */
function digest(salt: string, value: string): string {
  return process.getBuiltinModule('node:crypto').hash('sha256', `${salt}\0${value}`, 'hex').slice(0, 32);
}

/** Host side: the digests the gate redacts with, for these secret values. */
export function digestSecrets(values: Iterable<string>, salt: string): SecretDigests {
  const all = new Set<string>();
  for (const raw of values) {
    const value = raw.trim();
    if (value.length < MIN_SECRET_LENGTH) continue;
    // Lower case too: the gate records host names normalised, and a value sent as a DNS label arrives so.
    for (const form of new Set([value, value.toLowerCase()])) {
      all.add(digest(salt, form));
      for (const [a, b] of spans(form)) all.add(digest(salt, form.slice(a, b)));
    }
  }
  return { salt, digests: [...all].sort() };
}

/** Gate side: a redactor for `text`, built once per session (the digest set is looked up, not rebuilt). */
export function digestRedactor(secrets: SecretDigests): (text: string) => string {
  const known = new Set(secrets.digests);
  return (text) => redactKnown(text, secrets.salt, known);
}

/** `text` with every token whose digest is a secret's replaced by a marker. */
export function redactDigests(text: string, secrets: SecretDigests): string {
  return redactKnown(text, secrets.salt, new Set(secrets.digests));
}

function redactKnown(text: string, salt: string, known: ReadonlySet<string>): string {
  const hits: Array<[number, number]> = [];
  const whole = text.trim();
  if (whole.length >= MIN_SECRET_LENGTH && known.has(digest(salt, whole))) return '[REDACTED:secret]';
  for (const [a, b] of spans(text)) if (known.has(digest(salt, text.slice(a, b)))) hits.push([a, b]);
  if (hits.length === 0) return text;
  // Overlapping hits (a whole word and a part of it) are merged, then replaced from the end.
  hits.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const [a, b] of hits) {
    const last = merged.at(-1);
    if (last !== undefined && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  let out = text;
  for (const [a, b] of merged.reverse()) out = `${out.slice(0, a)}[REDACTED:secret]${out.slice(b)}`;
  return out;
}
