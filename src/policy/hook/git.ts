import type { Arg } from './words.js';

// git config keys whose value git runs as a shell command.
const CODE_KEYS =
  /^(?:core\.(?:sshcommand|pager|editor|fsmonitor|hookspath)|diff\.external|sequence\.editor|credential\.helper|gpg\.program|gpg\.\w+\.program|pager\.\w+|alias\.[^=]+|filter\.[^.]+\.(?:clean|smudge|process)|diff\.[^.]+\.textconv|merge\.[^.]+\.driver|uploadpack\.packobjectshook)$/i;

function configPairs(args: readonly Arg[]): Array<{ key: string; value: string | null }> {
  const out: Array<{ key: string; value: string | null }> = [];
  for (let i = 0; i < args.length; i++) {
    const t = args[i]?.text;
    if (t !== '-c') {
      if (t === null || t === undefined || !t.startsWith('-')) break;
      continue;
    }
    const kv = args[i + 1]?.text ?? null;
    i++;
    if (kv === null) {
      out.push({ key: '?', value: null });
      continue;
    }
    const eq = kv.indexOf('=');
    out.push({
      key: (eq === -1 ? kv : kv.slice(0, eq)).toLowerCase(),
      value: eq === -1 ? 'true' : kv.slice(eq + 1),
    });
  }
  return out;
}

/** Shell text that `git -c key=value` makes git run (`core.sshCommand`, `!` aliases, pagers...). */
export function gitConfigCode(args: readonly Arg[]): Array<string | null> {
  const out: Array<string | null> = [];
  // `ext::CMD` remotes (and `--upload-pack=CMD`) make git run a command to talk to the remote.
  for (const a of args)
    if (/^(?:ext::|--upload-pack=|--receive-pack=|--exec=)/.test(a.text ?? '')) out.push(null);
  for (const { key, value } of configPairs(args)) {
    if (key === '?') out.push(null);
    else if (key.startsWith('alias.')) {
      if (value?.startsWith('!') === true) out.push(value.slice(1));
    } else if (CODE_KEYS.test(key)) out.push(value);
  }
  return out;
}

/** `git -c alias.p=push p` runs `git push`: the subcommand with a non-shell alias put back. */
export function gitAlias(args: readonly Arg[]): Arg[] | null {
  const pairs = configPairs(args);
  const first = args.findIndex(
    (a, i) => !(a.text ?? '-').startsWith('-') && args[i - 1]?.text !== '-c' && args[i - 1]?.text !== '-C',
  );
  const sub = args[first]?.text;
  if (sub == null) return null;
  const alias = pairs.find((p) => p.key === `alias.${sub.toLowerCase()}`);
  if (alias?.value == null || alias.value.startsWith('!')) return null;
  const words = alias.value
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => ({ text: w, pattern: w, glob: false }));
  return [...words, ...args.slice(first + 1)];
}
