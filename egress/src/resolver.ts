import { lookup } from 'node:dns/promises';

/**
 * Resolves a normalised host name to the addresses the gate may connect to. Why injectable: tests map
 * names to loopback without touching DNS, and the gate resolves once per request, then connects only to
 * addresses it checked, so nothing downstream ever looks the name up again (no DNS rebinding).
 */
export type Resolver = (host: string, signal: AbortSignal) => Promise<readonly string[]>;

/** The system resolver (getaddrinfo via dns.lookup, so /etc/hosts and the container's DNS apply). */
export function systemResolver(): Resolver {
  return async (host, signal) => {
    signal.throwIfAborted();
    const answers = await abortable(lookup(host, { all: true, order: 'verbatim' }), signal);
    return answers.map((answer) => answer.address);
  };
}

/** Options of cachingResolver. */
export interface ResolverCacheOptions {
  ttlMs: number;
  maxEntries: number;
}

/**
 * Caches answers for a short time. Why this is safe: a cached answer is checked like a fresh one on every
 * request and is exactly what the gate connects to. Why at all: Docker's DNS costs about 0.3 ms a lookup
 * (engines.md), most of the gate's added latency. Failures are never cached; concurrent lookups of one
 * name share one query.
 */
export function cachingResolver(inner: Resolver, options: ResolverCacheOptions): Resolver {
  const cache = new Map<string, { expires: number; answers: readonly string[] }>();
  const pending = new Map<string, Promise<readonly string[]>>();
  return async (host, signal) => {
    const now = Date.now();
    const hit = cache.get(host);
    if (hit !== undefined && hit.expires > now) return hit.answers;
    if (hit !== undefined) cache.delete(host);
    let query = pending.get(host);
    if (query === undefined) {
      // The shared query is not tied to one caller's signal; each caller waits on its own.
      query = inner(host, AbortSignal.timeout(30_000));
      pending.set(host, query);
      query.then(
        (answers) => {
          pending.delete(host);
          if (cache.size >= options.maxEntries) {
            const oldest = cache.keys().next();
            if (oldest.done !== true) cache.delete(oldest.value);
          }
          cache.set(host, { expires: Date.now() + options.ttlMs, answers });
        },
        () => pending.delete(host),
      );
    }
    return abortable(query, signal);
  };
}

/** Settles with `promise`, or rejects as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(asError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(asError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asError(error));
      },
    );
  });
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
