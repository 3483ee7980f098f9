// Egress benchmark: the gate against a direct connection and Debian's squid (and tinyproxy), side by
// side in one run on this machine, inside two internal networks the bench creates (no packet leaves them).
// Measures a 1 GiB transfer through a CONNECT tunnel, p50/p99 of 1,000 connect-and-request cycles,
// 200 concurrent tunnels and each proxy's peak memory; prints a table, verdicts and a JSON file path.
// Usage: npm run bench -- egress   or   node test/bench/egress/index.mjs [--rounds N] [--bytes N]
//        [--cycles N] [--tunnels N] [--targets squid,tinyproxy[,nodeproxy]]   (needs `npm run build`, an engine, root)
// Env: CCBOX_TEST_CACHE (pinned Node cache), CCBOX_BENCH_EGRESS_ROUNDS, CCBOX_BENCH_EGRESS_TARGETS.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startTopology } from './setup.mjs';
import { checkEnforcement, runRounds, targetsOf } from './measure.mjs';
import { summarise, table, verdicts } from './report.mjs';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist');
const { connectEngine } = await import(path.join(dist, 'src/docker/index.js'));

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: process.env.CCBOX_BENCH_EGRESS_ROUNDS ?? '5' },
    bytes: { type: 'string', default: String(2 ** 30) },
    cycles: { type: 'string', default: '1000' },
    tunnels: { type: 'string', default: '200' },
    targets: { type: 'string', default: process.env.CCBOX_BENCH_EGRESS_TARGETS ?? 'squid,tinyproxy' },
  },
});
const settings = {
  rounds: Number(values.rounds),
  bytes: Number(values.bytes),
  cycles: Number(values.cycles),
  tunnels: Number(values.tunnels),
};
const listed = values.targets
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const w of listed)
  if (!['squid', 'tinyproxy', 'nodeproxy'].includes(w)) throw new Error(`unknown target ${w}`);
const wanted = listed.filter((w) => w !== 'nodeproxy');
const diagnostic = listed.includes('nodeproxy');
const log = (line) => process.stderr.write(`egress-bench: ${line}\n`);
const cacheDir = process.env.CCBOX_TEST_CACHE ?? path.join(os.tmpdir(), 'ccbox-test-cache');

// What the gate recorded: one decision event per tunnel, so the bench also shows the audit log kept up.
function auditSummary(auditDir) {
  let text = '';
  try {
    text = readFileSync(path.join(auditDir, 'audit.jsonl'), 'utf8');
  } catch (error) {
    return `gate audit log: unreadable (${error.message})`;
  }
  const counts = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const e = JSON.parse(line);
    counts[`${e.decision} ${e.rule}`] = (counts[`${e.decision} ${e.rule}`] ?? 0) + 1;
  }
  return `gate audit log: ${Object.entries(counts)
    .map(([k, v]) => `${v} x ${k}`)
    .join(', ')}`;
}

const engine = await connectEngine();
const started = performance.now();
const loadBefore = os.loadavg()[0];
let topo;
let stopping = false;
const stop = async (signal) => {
  stopping = true;
  log(`${signal}: cleaning up`);
  await topo?.cleanup();
  process.exit(130);
};
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));

try {
  topo = await startTopology(engine, {
    baseImage: 'ccbox/base:bookworm',
    binaries: { registry: 'https://registry.npmjs.org', cacheDir, arch: os.arch() },
    wanted,
    diagnostic,
    log,
  });
  log(
    `run ${topo.run}: gate image ${topo.gateImage}, proxies image ${topo.proxiesImage ?? '-'}, upstream ${topo.upstreamAddress}`,
  );
  const targets = targetsOf(topo);
  await checkEnforcement(topo, targets);
  log(
    `every proxy refuses a name outside its allowlist; ${settings.rounds} round(s) of ${targets.map((t) => t.name).join(', ')}`,
  );
  const { results, memory } = await runRounds(topo, targets, { ...settings, log });
  const summary = summarise(results, memory);
  const cpus = os.cpus();
  const header =
    `egress bench, ${settings.rounds} interleaved round(s), medians; ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}; ` +
    `transfer ${settings.bytes} bytes, ${settings.cycles} cycles, ${settings.tunnels} concurrent tunnels (3 bursts a round); ` +
    `MB = 10^6 bytes; load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after`;
  console.log(header);
  console.log(table(summary, settings));
  console.log('');
  console.log(verdicts(summary));
  console.log(`\n${auditSummary(topo.auditDir)}`);
  const file = path.join(
    os.tmpdir(),
    `ccbox-egress-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(
    file,
    `${JSON.stringify({ settings, machine: { cpus: cpus.length, model: cpus[0]?.model, kernel: os.release(), loadBefore, loadAfter: os.loadavg()[0] }, summary, results }, null, 2)}\n`,
  );
  console.log(`\nresults: ${file} (took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
} catch (error) {
  if (stopping) await new Promise(() => {}); // the signal handler cleans up and exits
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await topo?.cleanup();
}
