import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';

/** Used when neither the caller nor the host's apt configuration names a Debian mirror. */
export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

/** One apt source file as read from disk (path only for messages and the format). */
export interface AptSourceFile {
  path: string;
  content: string;
}

/** One apt source entry, from either format. */
export interface AptSource {
  file: string;
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  enabled: boolean;
}

/** deb822 (`*.sources`): stanzas of `Field: value` lines separated by blank lines. */
export function parseDeb822Sources(content: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of content.split(/\r?\n[ \t]*(?:\r?\n[ \t]*)+/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of stanza.split(/\r?\n/)) {
      if (line.trimStart().startsWith('#') || line.trim() === '') continue;
      if (/^[ \t]/.test(line) && last !== undefined) {
        fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
        continue;
      }
      const m = /^([A-Za-z0-9-]+)\s*:\s*(.*)$/.exec(line);
      if (!m?.[1]) continue;
      last = m[1].toLowerCase();
      fields.set(last, (m[2] ?? '').trim());
    }
    const words = (name: string): string[] => (fields.get(name) ?? '').split(/\s+/).filter((w) => w !== '');
    if (!fields.has('uris')) continue;
    out.push({
      file,
      types: words('types'),
      uris: words('uris'),
      suites: words('suites'),
      components: words('components'),
      enabled: !/^(no|false|0)$/i.test(fields.get('enabled') ?? 'yes'),
    });
  }
  return out;
}

/** One-line format (`sources.list`, `*.list`): `deb [options] uri suite [component…]`. */
export function parseOneLineSources(content: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const m = /^(deb|deb-src)\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)(.*)$/.exec(line);
    if (!m?.[1] || !m[2] || !m[3]) continue;
    out.push({
      file,
      types: [m[1]],
      uris: [m[2]],
      suites: [m[3]],
      components: (m[4] ?? '').split(/\s+/).filter((w) => w !== ''),
      enabled: true,
    });
  }
  return out;
}

/** Parses each file by its format (`.sources` is deb822, everything else one-line). */
export function parseAptSources(files: readonly AptSourceFile[]): AptSource[] {
  return files.flatMap((f) =>
    f.path.endsWith('.sources')
      ? parseDeb822Sources(f.content, f.path)
      : parseOneLineSources(f.content, f.path),
  );
}

/** Reads `etc/apt/sources.list` and `etc/apt/sources.list.d/*.{list,sources}` under rootDir, in apt's order. */
export async function readAptSources(rootDir = '/'): Promise<AptSourceFile[]> {
  const files: AptSourceFile[] = [];
  const main = path.join(rootDir, 'etc/apt/sources.list');
  const content = await readFile(main, 'utf8').catch(() => undefined);
  if (content !== undefined) files.push({ path: main, content });
  const dir = path.join(rootDir, 'etc/apt/sources.list.d');
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    // apt ignores other extensions (e.g. `.disabled`, `.save`), and so do we.
    if (!name.endsWith('.list') && !name.endsWith('.sources')) continue;
    const text = await readFile(path.join(dir, name), 'utf8').catch(() => undefined);
    if (text !== undefined) files.push({ path: path.join(dir, name), content: text });
  }
  return files;
}

const DEBIAN_SUITES =
  /^(buster|bullseye|bookworm|trixie|forky|duke|sid|stable|oldstable|oldoldstable|testing|unstable)(-updates|-backports|-proposed-updates)?$/;

function isUsableUri(uri: string): boolean {
  return /^(https?|file):\/\//.test(uri);
}

/** A mirror for debootstrap: http(s) or file URL, without a trailing slash. */
export function normalizeMirror(uri: string): string {
  if (!isUsableUri(uri)) {
    throw new CcboxError(`Not a usable Debian mirror: ${uri}`, {
      code: 'MIRROR_INVALID',
      exitCode: ExitCodes.invalidInput,
      hint: 'Give an http://, https:// or file:// URL of a Debian archive, e.g. http://deb.debian.org/debian.',
    });
  }
  return uri.replace(/\/+$/, '');
}

export interface MirrorChoice {
  mirror: string;
  origin: 'override' | 'host' | 'default';
  /** The apt source file it came from (origin `host`). */
  file?: string;
}

/**
 * Picks the Debian archive mirror for `suite`: the override if given; else the first enabled `deb`
 * source of the host that serves the suite itself, then any Debian suite (the same archive serves the
 * others); security archives and non-Debian repositories never qualify; else DEFAULT_DEBIAN_MIRROR.
 */
export function chooseDebianMirror(options: {
  suite: string;
  files: readonly AptSourceFile[];
  override?: string | undefined;
}): MirrorChoice {
  if (options.override !== undefined && options.override !== '') {
    return { mirror: normalizeMirror(options.override), origin: 'override' };
  }
  const candidates = parseAptSources(options.files).filter(
    (s) => s.enabled && s.types.includes('deb') && !s.uris.some((u) => /security/i.test(u)),
  );
  const pick = (test: (suite: string) => boolean): MirrorChoice | undefined => {
    for (const source of candidates) {
      if (!source.suites.some(test)) continue;
      const uri = source.uris.find(isUsableUri);
      if (uri) return { mirror: normalizeMirror(uri), origin: 'host', file: source.file };
    }
    return undefined;
  };
  return (
    pick((s) => s === options.suite) ??
    pick((s) => DEBIAN_SUITES.test(s)) ?? { mirror: DEFAULT_DEBIAN_MIRROR, origin: 'default' }
  );
}

/** chooseDebianMirror over the apt configuration found under rootDir (default `/`). */
export async function findDebianMirror(options: {
  suite: string;
  override?: string | undefined;
  rootDir?: string;
}): Promise<MirrorChoice> {
  if (options.override !== undefined && options.override !== '') {
    return chooseDebianMirror({ suite: options.suite, files: [], override: options.override });
  }
  return chooseDebianMirror({ suite: options.suite, files: await readAptSources(options.rootDir ?? '/') });
}
