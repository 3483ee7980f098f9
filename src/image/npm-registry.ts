import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';

/** The subset of `fetch` the npm client uses (tests and callers with registry auth pass their own). */
export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal | undefined; headers?: Record<string, string> },
) => Promise<Response>;

/** What one version's metadata document tells us. */
export interface VersionMetadata {
  tarball: string;
  integrity: string;
}

function registryError(message: string, hint?: string, cause?: unknown): CcboxError {
  return new CcboxError(message, {
    code: 'NPM_METADATA_FAILED',
    exitCode: ExitCodes.imageBuildFailed,
    hint,
    cause,
  });
}

function parseHttpUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw registryError(`${what} '${value}' is not a URL`, undefined, cause);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw registryError(`${what} '${value}' is not http(s)`);
  return url;
}

/** `GET <registry>/<name, '/' escaped>/<version>`: the registry's document for one exact version. */
export async function fetchVersionMetadata(options: {
  name: string;
  version: string;
  registry: string;
  signal?: AbortSignal;
  fetch?: FetchLike;
}): Promise<VersionMetadata> {
  const base = parseHttpUrl(options.registry, 'Registry URL').href.replace(/\/+$/, '');
  const url = `${base}/${options.name.replace('/', '%2f')}/${options.version}`;
  const fetchFn = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchFn(url, { signal: options.signal, headers: { accept: 'application/json' } });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    throw registryError(
      `Cannot reach the npm registry at ${base}`,
      'Check the registry URL (npm config get registry) and the proxy.',
      cause,
    );
  }
  if (response.status === 404) {
    throw new CcboxError(`${options.name}@${options.version} is not in the registry at ${base}`, {
      code: 'NPM_VERSION_NOT_FOUND',
      exitCode: ExitCodes.invalidInput,
      hint: `List published versions with \`npm view ${options.name} versions\`.`,
    });
  }
  if (!response.ok) throw registryError(`Registry answered HTTP ${response.status} for ${url}`);
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    throw registryError(`Registry sent invalid JSON for ${url}`, undefined, cause);
  }
  const doc = (typeof body === 'object' && body !== null ? body : {}) as {
    name?: unknown;
    version?: unknown;
    dist?: { tarball?: unknown; integrity?: unknown };
  };
  // Why: a registry answering for another package or version must not slip a different binary in.
  if (doc.name !== options.name || doc.version !== options.version) {
    throw registryError(
      `Registry metadata names ${String(doc.name)}@${String(doc.version)}, not ${options.name}@${options.version}`,
    );
  }
  const { tarball, integrity } = doc.dist ?? {};
  if (typeof tarball !== 'string' || typeof integrity !== 'string') {
    throw registryError(
      `Registry metadata for ${options.name}@${options.version} lacks dist.tarball or dist.integrity`,
    );
  }
  return { tarball, integrity };
}

/** Checks the tarball URL the metadata points at. */
export function artifactUrls(registry: string, metadata: VersionMetadata, what: string): { tarball: string } {
  const tarball = parseHttpUrl(metadata.tarball, `Tarball URL of ${what}`);
  // Why: metadata fetched over TLS must not downgrade the download to plain HTTP.
  if (parseHttpUrl(registry, 'Registry URL').protocol === 'https:' && tarball.protocol !== 'https:') {
    throw registryError(`Tarball URL of ${what} downgrades to ${tarball.protocol}`);
  }
  return { tarball: tarball.href };
}
