import type { HookPolicy } from '../plan.js';
import type { HookVerdict } from './types.js';
import type { Arg } from './words.js';

/** A family the engine knows even when a tier does not name it; a tier's family of the same name wins. */
interface BuiltinFamily {
  decision: HookVerdict;
  commands: string[];
  reason: string;
}

// Why built-ins: a tier lists the names it cares about, but an obvious spelling it forgot (`ncat`,
// `aws`, `prisma migrate`) must not fall through to `local-work`. Tier names are added to these.
const BUILTIN: Record<string, BuiltinFamily> = {
  'network-transfer': {
    decision: 'deny',
    commands: [
      'curl',
      'wget',
      'nc',
      'ncat',
      'netcat',
      'socat',
      'scp',
      'sftp',
      'rsync',
      'ssh',
      'sshpass',
      'ssh-copy-id',
      'telnet',
      'ftp',
      'tftp',
      'lftp',
      'aria2c',
      'http',
      'https',
      'xh',
      'httpie',
      'websocat',
      'grpcurl',
      'openssl s_client',
      'openssl s_server',
      'dig',
      'nslookup',
      'host',
      'drill',
      'kdig',
      'sendmail',
      'mail',
      'mutt',
      'smbclient',
      'git send-email',
      'gh gist',
    ],
    reason: 'External data movement commands require a reviewed workflow.',
  },
  'package-install': {
    decision: 'ask',
    commands: [
      'npm install',
      'npm ci',
      'npm rebuild',
      'pnpm install',
      'pnpm add',
      'yarn add',
      'yarn install',
      'bun install',
      'bun add',
      'pip install',
      'pip3 install',
      'pipx install',
      'poetry add',
      'poetry install',
      'uv add',
      'uv pip install',
      'uv sync',
      'cargo install',
      'gem install',
      'bundle install',
      'go install',
      'go get',
      'composer install',
      'composer require',
      'apt-get install',
      'apt install',
      'apk add',
      'dnf install',
      'yum install',
      'brew install',
      'conda install',
    ],
    reason: 'Dependency changes run third-party code; review them.',
  },
  containers: {
    decision: 'ask',
    commands: ['docker', 'podman', 'docker-compose', 'nerdctl', 'buildah'],
    reason: 'Container commands can mount host paths or reach other networks.',
  },
  kubernetes: {
    decision: 'ask',
    commands: ['kubectl', 'helm', 'kustomize', 'oc', 'k9s'],
    reason: 'Cluster commands change shared infrastructure.',
  },
  'cloud-cli': {
    decision: 'ask',
    commands: [
      'aws',
      'gcloud',
      'gsutil',
      'bq',
      'az',
      'doctl',
      'eksctl',
      'flyctl',
      'heroku',
      'vercel',
      'netlify',
      'wrangler',
      'firebase',
    ],
    reason: 'Cloud CLIs act on real accounts.',
  },
  infrastructure: {
    decision: 'ask',
    commands: [
      'terraform',
      'tofu',
      'terragrunt',
      'pulumi',
      'cdk',
      'cdktf',
      'serverless',
      'sls',
      'ansible-playbook',
    ],
    reason: 'Infrastructure and deployment commands require human approval.',
  },
  database: {
    decision: 'ask',
    commands: [
      'psql',
      'mysql',
      'mariadb',
      'mongosh',
      'mongo',
      'redis-cli',
      'sqlcmd',
      'cqlsh',
      'clickhouse-client',
      'prisma migrate',
      'prisma db',
      'knex migrate',
      'alembic upgrade',
      'alembic downgrade',
      'sequelize db:migrate',
      'flyway',
      'liquibase',
      'rails db:migrate',
      'rake db:migrate',
      'dbmate',
      'goose',
      'atlas',
    ],
    reason: 'Database clients and migration tools can write to real databases.',
  },
  'git-push': {
    decision: 'ask',
    commands: ['git push'],
    reason: 'Git pushes must be reviewed before they run.',
  },
  release: {
    decision: 'ask',
    commands: [
      'gh release',
      'npm publish',
      'pnpm publish',
      'yarn publish',
      'yarn npm publish',
      'npm version',
      'twine upload',
      'cargo publish',
      'gem push',
      'poetry publish',
      'flit publish',
      'hatch publish',
      'vsce publish',
      'mvn deploy',
      'gradle publish',
    ],
    reason: 'Package release commands require release approval.',
  },
  'session-script': {
    decision: 'ask',
    commands: [],
    reason: 'Runs a file written during this session; review what it does first.',
  },
  'unresolved-command': {
    decision: 'ask',
    commands: [],
    reason: 'What this command runs is only known at run time (a variable, a substitution or decoded data).',
  },
};

/** One family as the decider uses it: the tier's decision and reason, the built-in and tier names. */
export interface Family {
  name: string;
  decision: HookVerdict;
  reason: string;
  entries: string[][];
}

/** The families of a tier merged over the built-ins, by name. */
export function familyTable(policy: HookPolicy): Map<string, Family> {
  const table = new Map<string, Family>();
  for (const [name, f] of Object.entries(BUILTIN)) {
    table.set(name, { name, decision: f.decision, reason: f.reason, entries: f.commands.map(words) });
  }
  for (const f of policy.families) {
    const base = table.get(f.name);
    table.set(f.name, {
      name: f.name,
      decision: f.decision,
      reason: f.reason,
      entries: [...(base?.entries ?? []), ...f.commands.map(words)],
    });
  }
  return table;
}

const words = (s: string): string[] => s.trim().split(/\s+/);

// Global options that take a value, per multi-call tool: `git -C dir push` is still a push.
const GLOBAL_VALUED: Record<string, ReadonlySet<string>> = {
  git: new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env']),
  npm: new Set(['--prefix', '-C', '-w', '--workspace', '--registry', '--userconfig']),
  pnpm: new Set(['-C', '--dir', '--filter', '-F', '-w', '--workspace']),
  yarn: new Set(['--cwd']),
  docker: new Set(['-H', '--host', '-c', '--context', '--config', '-l', '--log-level']),
  kubectl: new Set([
    '-n',
    '--namespace',
    '--context',
    '--kubeconfig',
    '-s',
    '--server',
    '--cluster',
    '--user',
  ]),
  helm: new Set(['-n', '--namespace', '--kube-context', '--kubeconfig']),
  gh: new Set(['-R', '--repo']),
  cargo: new Set(['--manifest-path', '-Z', '--config', '-C']),
};

// Spellings of one subcommand (npm's abbreviations, typos it accepts): `npm isntall` installs.
const spellings = (to: string, from: string[]): Record<string, string> =>
  Object.fromEntries(from.map((f) => [f, to]));

// Spellings of one subcommand (npm's abbreviations, typos it accepts): `npm isntall` installs.
const SYNONYMS: Record<string, Record<string, string>> = {
  npm: {
    ...spellings('install', [
      'i',
      'in',
      'ins',
      'inst',
      'insta',
      'instal',
      'isnt',
      'isnta',
      'isntal',
      'isntall',
      'add',
      'it',
      'install-test',
    ]),
    ...spellings('ci', ['ic', 'cit', 'clean-install', 'install-clean', 'isntall-clean', 'install-ci-test']),
    rb: 'rebuild',
  },
  pnpm: { i: 'install', a: 'add' },
  bun: { i: 'install', a: 'add' },
};

/** Positional words after a command's global options, with subcommand spellings canonicalised. */
export function positionals(name: string, args: readonly Arg[]): string[] {
  const valued = GLOBAL_VALUED[name] ?? new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < args.length && out.length < 3; i++) {
    const t = args[i]?.text ?? args[i]?.pattern ?? '';
    if (t.startsWith('-') && out.length === 0) {
      if (valued.has(t)) i++;
      continue;
    }
    if (t.startsWith('-')) continue;
    out.push(out.length === 0 ? (SYNONYMS[name]?.[t] ?? t) : t);
  }
  // `yarn` alone installs.
  if (name === 'yarn' && out.length === 0) out.push('install');
  return out;
}

/** Canonical name of versioned binaries: `python3.12` → `python3`, `pip3.11` → `pip3`. */
export function canonicalName(name: string): string {
  return name.replace(/^(python|pip|pypy)(\d)(\.\d+)+$/, '$1$2').replace(/^nodejs$/, 'node');
}

/** The families a command falls into (their first matching entry each). */
export function matchFamilies(
  table: ReadonlyMap<string, Family>,
  name: string,
  args: readonly Arg[],
): Family[] {
  const canon = canonicalName(name);
  const pos = positionals(canon, args);
  const hits: Family[] = [];
  for (const family of table.values()) {
    const hit = family.entries.some(([head, ...sub]) => head === canon && sub.every((w, i) => pos[i] === w));
    if (hit) hits.push(family);
  }
  return hits;
}

/** Every command word some family names: copying one of these under another name keeps its family. */
export function familyHeads(table: ReadonlyMap<string, Family>): Set<string> {
  const heads = new Set<string>();
  for (const f of table.values()) for (const [head] of f.entries) if (head) heads.add(head);
  return heads;
}
