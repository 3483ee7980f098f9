import { checkDelegation, globHit, ruleWords } from './safety-delegation.js';

/** Checks that permission rules and passed-through environment names do not void the tier. */
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
  if (tool === 'Bash' || tool === 'PowerShell') {
    const words = ruleWords(bare);
    const first = words[0] ?? '';
    if (first.startsWith('*')) return 'starts with a wildcard, so it matches any command';
    const delegation = checkDelegation(bare);
    if (delegation) return delegation;
    const broad = first.includes('*')
      ? globHit(first, BROAD_COMMANDS)
      : BROAD_COMMANDS.has(first)
        ? first
        : undefined;
    if (broad !== undefined && (first.includes('*') || (words.length === 2 && words[1] === '*'))) {
      return `allows every ${broad} invocation (a broad wildcard over an interpreter, package manager or network tool)`;
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
