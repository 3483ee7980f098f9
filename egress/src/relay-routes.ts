/**
 * The model API calls the relay forwards: the ones the pinned Claude Code makes, recorded from the real
 * binary against the scripted Messages API (test/docker/relay.test.ts asserts that the binary makes
 * no other). Why a list: the relay attaches the real key, so every other path and method of the
 * model endpoint (files, batches, admin, ...) stays out of the agent's reach. Anything else is 404.
 */
export const RELAY_ROUTES: readonly RelayRoute[] = [
  { method: 'POST', path: '/v1/messages', query: ['beta'] },
  { method: 'POST', path: '/v1/messages/count_tokens', query: ['beta'] },
  { method: 'GET', path: '/v1/models', query: ['beta', 'limit', 'after_id', 'before_id'] },
];

/** One allowed call: method, exact path, and the query parameter names it may carry. */
export interface RelayRoute {
  method: string;
  path: string;
  query: readonly string[];
}

/** A request the relay may forward, or why not (one line). */
export type RouteCheck = { ok: true; route: RelayRoute; path: string } | { ok: false; reason: string };

// Why refuse these spellings before matching: a dot segment or an encoded slash means something else
// to the next server than the string compared here.
// eslint-disable-next-line no-control-regex
const SUSPECT = /(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\|[\u0000-\u0020\u007f]/i;

/**
 * Checks a request target against RELAY_ROUTES: origin-form only (never `http://…` nor `//host`), no
 * dot segments or encoded separators, an exact path, a known method, known query names.
 */
export function checkRoute(method: string, target: string): RouteCheck {
  if (!target.startsWith('/') || target.startsWith('//'))
    return {
      ok: false,
      reason: 'the relay takes origin-form paths only (no absolute or network-path target)',
    };
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);
  if (SUSPECT.test(path) || query.includes('#'))
    return { ok: false, reason: 'the path has dot segments, encoded separators or control characters' };
  const route = RELAY_ROUTES.find((r) => r.path === path && r.method === method);
  if (route === undefined)
    return { ok: false, reason: `${method} ${path.slice(0, 100)} is not a model API call Claude Code makes` };
  for (const pair of query === '' ? [] : query.split('&')) {
    const name = decodeURIComponentSafe(pair.split('=')[0] ?? '');
    if (!route.query.includes(name))
      return { ok: false, reason: `query parameter ${JSON.stringify(name.slice(0, 40))} is not forwarded` };
  }
  return { ok: true, route, path };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
