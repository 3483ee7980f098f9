import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';

/** Which of a package's files the image gets, and whether its dependencies come too. */
interface GatePackageRule {
  name: string;
  keep: (rel: string) => boolean;
  /** False where the dependencies are only for a part the gate never loads (a native binding). */
  deps: boolean;
}

const esmOnly = (rel: string): boolean => rel.endsWith('.mjs') || rel === 'package.json';

/**
 * The npm packages the gate loads, with everything they depend on: the OpenTelemetry SDK its OTLP
 * export uses, and the hook engine's (src/policy/hook) tree-sitter runtime, Bash grammar and
 * picomatch. Why copied from ccbox's own install: the gate image is built offline, from what ccbox
 * was installed with (npm checked those tarballs). Only what is loaded goes in: the SDK's ESM build,
 * the WASM runtime and grammar (tree-sitter-bash's native binding and its build tools stay out).
 */
const GATE_PACKAGES: readonly GatePackageRule[] = [
  { name: '@opentelemetry/api', keep: esmOnly, deps: true },
  { name: '@opentelemetry/exporter-logs-otlp-http', keep: esmOnly, deps: true },
  { name: '@opentelemetry/resources', keep: esmOnly, deps: true },
  { name: '@opentelemetry/sdk-logs', keep: esmOnly, deps: true },
  {
    name: 'web-tree-sitter',
    keep: (rel) => ['package.json', 'tree-sitter.js', 'tree-sitter.wasm'].includes(rel),
    deps: true,
  },
  {
    name: 'tree-sitter-bash',
    keep: (rel) => rel === 'package.json' || rel === 'tree-sitter-bash.wasm',
    deps: false,
  },
  { name: 'picomatch', keep: (rel) => rel.endsWith('.js') || rel === 'package.json', deps: true },
];
const RULES = new Map(GATE_PACKAGES.map((r) => [r.name, r]));

/** Where Node would find `name` from `fromDir`: the nearest node_modules/<name> up the tree. */
function locate(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function missing(what: string): CcboxError {
  return new CcboxError(`the gate's npm packages are incomplete: ${what}`, {
    code: 'GATE_NOT_BUILT',
    exitCode: ExitCodes.imageBuildFailed,
    hint: 'reinstall ccbox (npm ci in a checkout) so its dependencies are complete',
  });
}

/** The files of a package the gate loads, as image paths under app/node_modules/<name>/. */
function packageFiles(name: string, dir: string): Array<{ path: string; content: Buffer }> {
  const keep = RULES.get(name)?.keep ?? esmOnly;
  const out: Array<{ path: string; content: Buffer }> = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel)).sort()) {
      const r = path.join(rel, entry);
      if (entry === 'node_modules') continue;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else if (keep(r))
        out.push({ path: `app/node_modules/${name}/${r}`, content: readFileSync(path.join(dir, r)) });
    }
  };
  walk('');
  return out;
}

/** One package of the gate's closure: where it is installed and its version. */
export interface GatePackage {
  name: string;
  version: string;
  dir: string;
}

/**
 * The gate's packages and their dependency closure, as installed for ccbox at `root`. A name that
 * resolves to two different copies cannot be flattened: that is a packaging bug, said so. Why the
 * versions are what the image tag hashes: a published npm version never changes, and reading ~2 MB
 * of files at every session start only to hash them would slow every start down.
 */
export function gatePackages(root: string): GatePackage[] {
  const found = new Map<string, GatePackage>();
  const queue: Array<[string, string]> = GATE_PACKAGES.map((r) => [r.name, root]);
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const [name, from] = item;
    const dir = locate(name, from);
    if (dir === undefined) throw missing(`${name} is not installed`);
    const seen = found.get(name);
    if (seen !== undefined) {
      if (seen.dir !== dir) throw missing(`${name} is installed twice (${seen.dir} and ${dir})`);
      continue;
    }
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      version?: string;
      dependencies?: Record<string, string>;
    };
    found.set(name, { name, version: pkg.version ?? '', dir });
    if (RULES.get(name)?.deps === false) continue;
    for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push([dep, dir]);
  }
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Every file the image gets of these packages, flat under app/node_modules. */
export function gatePackageFiles(packages: readonly GatePackage[]): Array<{ path: string; content: Buffer }> {
  return packages.flatMap((p) => packageFiles(p.name, p.dir));
}
