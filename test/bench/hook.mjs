// Hook round-trip benchmark (issue 19 §1): 1,000 calls of the real adapter (images/agent/ccbox-hook)
// against the gate's hook endpoint code on loopback with the real engine, side by side with the
// guide's validate-bash.sh (bash + jq) on the same inputs. Each call is a fresh process, as Claude
// Code runs a command hook. Prints p50/p99 per script; exits 1 when the adapter misses its target.
// Usage: node test/bench/hook.mjs [--calls N] [--profile P] [--stdin file|socket]   (needs `npm run build`)
// --stdin file (default) hands each process its input as a file descriptor, like a pipe; socket is
// what a Node parent's 'pipe' is (the adapter then falls back to cat).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const dist = path.join(root, 'dist');
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000' },
    profile: { type: 'string', default: 'low-risk' },
    stdin: { type: 'string', default: 'file' },
  },
});
const CALLS = Number(values.calls);
const TARGET = { p50: 5, p99: 15 };

const { loadShellParser } = await import(path.join(dist, 'src/policy/hook/parser.js'));
const { createDecider } = await import(path.join(dist, 'src/policy/hook/decide.js'));
const { gateHookPolicy } = await import(path.join(dist, 'src/policy/hook/gate-policy.js'));
const { loadProfile } = await import(path.join(dist, 'src/profile/load.js'));
const { compile } = await import(path.join(dist, 'src/policy/compile/compile.js'));
const { startHookServer } = await import(path.join(dist, 'egress/src/hook-server.js'));

const plan = compile(
  loadProfile(values.profile, {
    builtinDir: path.join(root, 'profiles'),
    cwd: root,
    home: '/root',
    today: '2026-12-01',
  }).profile,
);
let decisions = 0;
const sink = { write: () => void decisions++, failure: () => null, close: () => Promise.resolve() };
const server = await startHookServer({
  hooks: gateHookPolicy(plan),
  decide: createDecider(await loadShellParser()),
  sink,
  session: 'bench',
  port: 0,
  log: () => undefined,
});

// The inputs: every Bash command of the shipped red-team set (attacks and benign look-alikes).
const commands = readdirSync(path.join(root, 'redteam'))
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parse(readFileSync(path.join(root, 'redteam', f), 'utf8')).cases ?? [])
  .map((c) => c.bash)
  .filter((b) => typeof b === 'string');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ccbox-bench-hook-'));
const inputs = commands.map((command, i) => {
  const file = path.join(tmp, `${i}.json`);
  const body = {
    session_id: 'bench',
    cwd: '/workspace',
    hook_event_name: 'PreToolUse',
    tool_name: 'Bash',
    tool_input: { command },
    tool_use_id: `toolu_${i}`,
  };
  writeFileSync(file, JSON.stringify(body));
  return file;
});

function once(argv, file, env) {
  return new Promise((resolve, reject) => {
    const fd = values.stdin === 'file' ? openSync(file, 'r') : null;
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: [fd ?? 'pipe', 'pipe', 'pipe'] });
    if (fd === null) child.stdin.end(readFileSync(file));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (fd !== null) closeSync(fd);
      resolve({ ms, code, out });
    });
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function bench(name, argv, env) {
  const times = [];
  const verdicts = { allow: 0, ask: 0, deny: 0, none: 0, failed: 0 };
  for (let i = 0; i < CALLS; i++) {
    const r = await once(argv, inputs[i % inputs.length], env);
    times.push(r.ms);
    if (r.code !== 0) verdicts.failed++;
    else verdicts[/"permissionDecision":"(\w+)"/.exec(r.out)?.[1] ?? 'none']++;
  }
  const p50 = pct(times, 50);
  const p99 = pct(times, 99);
  console.log(
    `${name.padEnd(22)} calls ${CALLS}  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  max ${Math.max(...times).toFixed(2)} ms  ` +
      Object.entries(verdicts)
        .map(([k, v]) => `${k} ${v}`)
        .join(' '),
  );
  return { p50, p99 };
}

const env = { PATH: process.env.PATH, CCBOX_HOOK_ENDPOINT: `127.0.0.1:${server.port}` };
console.log(
  `hook bench: ${inputs.length} distinct Bash inputs from redteam/, profile ${values.profile}, stdin ${values.stdin}`,
);
const adapter = await bench(
  'ccbox-hook (gate+engine)',
  ['bash', path.join(root, 'images/agent/ccbox-hook'), 'fail-closed', '5'],
  env,
);
const hasJq = spawnSync('jq', ['--version']).status === 0;
if (hasJq) await bench('guide validate-bash.sh', ['bash', path.join(here, 'validate-bash.sh')], env);
else console.log('guide validate-bash.sh: jq is not installed, so only the adapter was measured');
console.log(`gate decisions recorded: ${decisions}`);
await server.close();
rmSync(tmp, { recursive: true, force: true });
const ok = adapter.p50 <= TARGET.p50 && adapter.p99 <= TARGET.p99;
console.log(`target p50 <= ${TARGET.p50} ms, p99 <= ${TARGET.p99} ms: ${ok ? 'met' : 'MISSED'}`);
process.exit(ok ? 0 : 1);
