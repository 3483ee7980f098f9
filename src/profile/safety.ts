import { BlockList, isIP } from 'node:net';
import type { ProfileFile } from './schema.js';
import { error, warning, type RawIssue } from './raw-issue.js';
import { renderFound } from './issues.js';
import { reachesCredentialStore } from '../policy/credential-stores.js';

/**
 * Safety checks on one profile layer's own entries (so each problem names the file that wrote it).
 * These reject configurations that are syntactically valid but defeat the tier: allow-everything rules,
 * wildcard egress, credential-store mounts, secret environment pass-through.
 */

// Why: `*.co.uk` or `*.github.io` lets the agent reach any tenant's host, which is an exfiltration path
// as wide as `*`. A short list of common multi-label public suffixes; single-label TLDs are caught by shape.
const PUBLIC_SUFFIXES = new Set([
  'co.uk',
  'org.uk',
  'ac.uk',
  'gov.uk',
  'com.au',
  'net.au',
  'org.au',
  'co.jp',
  'ne.jp',
  'co.nz',
  'com.br',
  'co.in',
  'com.cn',
  'com.mx',
  'co.za',
  'com.tr',
  'com.sg',
  'github.io',
  'gitlab.io',
  'herokuapp.com',
  'vercel.app',
  'netlify.app',
  'pages.dev',
  'workers.dev',
  'appspot.com',
  'web.app',
  'firebaseapp.com',
  'cloudfront.net',
  'amazonaws.com',
  's3.amazonaws.com',
  'azurewebsites.net',
  'blob.core.windows.net',
  'ngrok.io',
  'ngrok-free.app',
  'trycloudflare.com',
  'glitch.me',
  'repl.co',
  'onrender.com',
  'fly.dev',
  'run.app',
]);

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Checks an egress host pattern's shape; `strict` adds the breadth rules that apply to allow lists. */
export function checkHostPattern(raw: string, strict: boolean): string | null {
  const host = raw.toLowerCase().replace(/\.$/, '');
  if (host === '*' || host === '*.*' || host === '**') return 'allows every host';
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0)
    return 'is an address literal; name hosts, or use egress.allowCidrs for an exact range';
  const wildcard = host.startsWith('*.');
  const rest = wildcard ? host.slice(2) : host;
  if (rest.includes('*')) return 'may only use `*.` as its first label (e.g. *.example.com)';
  if (rest.includes(':') || rest.includes('/'))
    return 'must be a host name without scheme, port or path (ports go in egress.ports)';
  const labels = rest.split('.');
  if (!labels.every((l) => HOST_LABEL.test(l))) return 'is not a valid host name';
  if (!strict) return null;
  if (labels.length < 2)
    return wildcard
      ? 'allows a whole top-level domain'
      : 'is a single-label name (a whole TLD or an unqualified host)';
  if (wildcard && PUBLIC_SUFFIXES.has(rest)) return `allows every tenant of the public suffix ${rest}`;
  if (PUBLIC_SUFFIXES.has(rest) && rest.split('.').length === 2 && !wildcard) return null;
  return null;
}

const BROAD_COMMANDS = new Set([
  'bash',
  'sh',
  'zsh',
  'dash',
  'fish',
  'env',
  'sudo',
  'su',
  'doas',
  'eval',
  'exec',
  'xargs',
  'nohup',
  'timeout',
  'python',
  'python3',
  'node',
  'perl',
  'ruby',
  'php',
  'deno',
  'bun',
  'npx',
  'npm',
  'pnpm',
  'yarn',
  'pip',
  'pip3',
  'uv',
  'uvx',
  'poetry',
  'cargo',
  'go',
  'gem',
  'git',
  'gh',
  'curl',
  'wget',
  'nc',
  'ssh',
  'scp',
  'rsync',
  'docker',
  'podman',
  'kubectl',
  'helm',
  'terraform',
  'pulumi',
  'aws',
  'gcloud',
  'az',
  'make',
]);

/** Why: `Bash(*)`, a bare `Bash`, or `Bash(npm *)` allows running anything, which voids every other rule. */
export function checkAllowRule(rule: string): string | null {
  const m = /^([A-Za-z][A-Za-z0-9_]*|mcp__[^(]*)(?:\(([\s\S]*)\))?$/.exec(rule);
  if (!m) return null;
  const tool = m[1] ?? '';
  const spec = m[2];
  if (tool.startsWith('mcp__') && tool.includes('*')) return 'allows every MCP tool by wildcard';
  if (spec === undefined) {
    if (['Bash', 'Edit', 'Write', 'NotebookEdit', 'WebFetch', 'PowerShell'].includes(tool))
      return `allows every ${tool} call`;
    return null;
  }
  const bare = spec.replace(/:\*$/, ' *').trim();
  if (/^[*\s:]*$/.test(bare)) return `allows every ${tool} call`;
  if (tool === 'Bash') {
    const words = bare.split(/\s+/);
    const first = words[0] ?? '';
    if (first === '*') return 'starts with a wildcard, so it matches any command';
    if (words.length === 2 && words[1] === '*' && BROAD_COMMANDS.has(first)) {
      return `allows every ${first} invocation (a broad wildcard over an interpreter, package manager or network tool)`;
    }
  }
  if ((tool === 'Read' || tool === 'Edit') && /^\/\/\*\*?$|^\/\/$/.test(spec))
    return `allows ${tool} of the whole filesystem`;
  return null;
}

// Why: passing host secrets into the agent is the leak ccbox prevents; proxy and model variables are
// ccbox's own to set, and loader variables (LD_PRELOAD, NODE_OPTIONS) change what runs.
const SECRET_NAME =
  /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|COOKIE|PRIVATE|APIKEY|API_KEY|AUTH|SESSION|(^|_)KEY($|_)|(^|_)PAT($|_)|(^|_)CERT)/i;
const RESERVED_ENV =
  /^(ANTHROPIC_|CLAUDE_|AWS_|GOOGLE_|GCLOUD_|AZURE_|GH_|GITHUB_|GITLAB_|NPM_|DOCKER_|KUBE|VAULT_|OTEL_|LD_|SSH_|GIT_ASKPASS|NODE_OPTIONS|NODE_EXTRA_CA_CERTS|HTTPS?_PROXY|NO_PROXY|ALL_PROXY|https?_proxy|no_proxy|all_proxy|HOME$|PATH$|USER$)/;

export function checkPassEnv(name: string): string | null {
  if (SECRET_NAME.test(name))
    return 'looks like a secret; hand credentials in as short-lived tokens, never from the host environment';
  if (RESERVED_ENV.test(name))
    return 'is set by ccbox itself or reaches a credential or loader; it cannot be passed through';
  return null;
}

const METADATA = ['169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192', 'fd00:ec2::254'];

export function checkCidr(cidr: string): string | null {
  const [addr, bitsText] = cidr.split('/');
  const family = isIP(addr ?? '');
  const bits = bitsText === undefined ? (family === 6 ? 128 : 32) : Number(bitsText);
  if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32))
    return 'is not an address range like 10.20.0.0/16';
  if ((family === 4 && bits < 8) || (family === 6 && bits < 32))
    return 'is too broad (at most a /8 for IPv4, a /32 for IPv6)';
  const list = new BlockList();
  list.addSubnet(addr ?? '', bits, family === 6 ? 'ipv6' : 'ipv4');
  const meta = METADATA.find((m) => list.check(m, isIP(m) === 6 ? 'ipv6' : 'ipv4'));
  if (meta) return `contains the cloud metadata address ${meta}`;
  return null;
}

const FORBIDDEN_TARGETS = [
  '/',
  '/workspace',
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/var/run',
  '/opt/ccbox',
  '/tmp',
];

/** Checks one layer's entries. `home` is the host home used to expand `~` in paths. */
export function checkLayerSafety(layer: ProfileFile, home: string): RawIssue[] {
  const issues: RawIssue[] = [];
  (layer.egress?.allow ?? []).forEach((host, i) => {
    if (host.startsWith('!')) return;
    const why = checkHostPattern(host, true);
    if (why)
      issues.push(
        error(['egress', 'allow', i], `egress host ${why}`, {
          found: renderFound(host),
          allowed: 'exact names like api.example.com, or *.example.com',
        }),
      );
  });
  (layer.egress?.deny ?? []).forEach((host, i) => {
    const why = checkHostPattern(host, false);
    if (why)
      issues.push(
        error(['egress', 'deny', i], `egress host ${why}`, {
          found: renderFound(host),
          allowed: 'exact names, or *.example.com',
        }),
      );
  });
  (layer.egress?.allowCidrs ?? []).forEach((cidr, i) => {
    if (cidr.startsWith('!')) return;
    const why = checkCidr(cidr);
    if (why)
      issues.push(
        error(['egress', 'allowCidrs', i], `range ${why}`, {
          found: renderFound(cidr),
          allowed: 'a narrow private range, e.g. 10.20.30.0/24',
        }),
      );
  });
  (layer.permissions?.allow ?? []).forEach((rule, i) => {
    const why = rule.startsWith('!') ? null : checkAllowRule(rule);
    if (why)
      issues.push(
        error(['permissions', 'allow', i], `allow rule ${why}`, {
          found: renderFound(rule),
          allowed: 'narrow rules such as Bash(npm run test *), Bash(git status)',
        }),
      );
  });
  (layer.credentials?.passEnv ?? []).forEach((name, i) => {
    const why = name.startsWith('!') ? null : checkPassEnv(name);
    if (why)
      issues.push(
        error(['credentials', 'passEnv', i], `${name} ${why}`, {
          found: renderFound(name),
          allowed: 'non-secret names such as LANG, TZ, TERM',
        }),
      );
  });
  (layer.mounts ?? []).forEach((mount, i) => {
    const store = reachesCredentialStore(mount.source, home);
    if (store)
      issues.push(
        error(['mounts', i, 'source'], `mount reaches the credential store ${store}`, {
          found: renderFound(mount.source),
          allowed: 'paths that neither are, contain nor lie inside a credential store or home directory',
        }),
      );
    const target = mount.target.replace(/\/+$/, '') || '/';
    if (
      FORBIDDEN_TARGETS.some(
        (t) =>
          target === t ||
          (t !== '/' &&
            target.startsWith(`${t}/`) &&
            ['/workspace', '/etc', '/opt/ccbox', '/proc', '/sys', '/dev'].includes(t)),
      )
    ) {
      issues.push(
        error(['mounts', i, 'target'], 'mount target would shadow the worktree or a system directory', {
          found: renderFound(mount.target),
          allowed: 'a new directory such as /mnt/reference',
        }),
      );
    }
  });
  if (layer.tls?.extraCaCerts !== undefined) {
    const store = reachesCredentialStore(layer.tls.extraCaCerts, home);
    if (store)
      issues.push(
        error(
          ['tls', 'extraCaCerts'],
          `CA path reaches the credential store ${store} (it would be baked into the image)`,
          { found: renderFound(layer.tls.extraCaCerts), allowed: 'a PEM bundle outside credential stores' },
        ),
      );
  }
  for (const [name, server] of Object.entries(layer.mcp?.servers ?? {})) {
    if ('url' in server && !server.url.startsWith('https://')) {
      issues.push(
        error(['mcp', 'servers', name, 'url'], 'remote MCP servers must use https', {
          found: renderFound(server.url),
          allowed: 'https:// URLs',
        }),
      );
    }
    if (
      'command' in server &&
      ['sh', 'bash', 'zsh', '/bin/sh', '/bin/bash'].includes(server.command) &&
      (server.args ?? []).includes('-c')
    ) {
      issues.push(
        error(
          ['mcp', 'servers', name, 'command'],
          'an MCP server approved as a shell script string is not an exact command',
          {
            found: renderFound([server.command, ...(server.args ?? [])]),
            allowed: 'the server executable and its exact arguments',
          },
        ),
      );
    }
    if ('command' in server && ['npx', 'uvx', 'bunx', 'pnpx'].includes(server.command)) {
      const pkg = (server.args ?? []).find((a) => !a.startsWith('-'));
      if (pkg && !/.@\d/.test(pkg))
        issues.push(
          warning(['mcp', 'servers', name, 'args'], `package ${pkg} is not pinned to a version`, {
            allowed: 'name@1.2.3',
          }),
        );
    }
  }
  (layer.exceptions ?? []).forEach((exc, i) => {
    const kinds = (exc.rule !== undefined ? 1 : 0) + (exc.egressHost !== undefined ? 1 : 0);
    if (kinds !== 1)
      issues.push(
        error(['exceptions', i], 'an exception relaxes exactly one thing: set either rule or egressHost', {
          allowed: 'rule: Bash(docker build *)  or  egressHost: registry.example.com',
        }),
      );
    if (exc.egressHost !== undefined) {
      const why = checkHostPattern(exc.egressHost, true);
      if (why)
        issues.push(
          error(['exceptions', i, 'egressHost'], `egress host ${why}`, {
            found: renderFound(exc.egressHost),
          }),
        );
    }
  });
  return issues;
}
