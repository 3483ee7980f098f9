// `npm run bench -- audit`: what the gate's audit log costs per event. Measures, on the disk the state
// dir is on (CCBOX_BENCH_DIR, default ~/.local/state): one event made durable alone (an fsync), a
// burst of events with one fsync per event against group commit (test of AuditLogOptions.maxBatch),
// and the CPU the sink spends on the gate's event loop per event (stamping, redaction, JSON).
// Needs `npm run build` first (it measures the compiled code the gate runs).
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { openAuditLog } = await import(path.join(root, 'dist/src/audit/store.js'));
const { auditSink } = await import(path.join(root, 'dist/egress/src/events.js'));
const { digestSecrets } = await import(path.join(root, 'dist/src/audit/secret-digest.js'));

const base = process.env.CCBOX_BENCH_DIR ?? path.join(os.homedir(), '.local', 'state');
const dir = mkdtempSync(path.join(base, 'ccbox-audit-bench-'));
const fsType = statfsSync(dir).type.toString(16);
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const ms = (x) => `${x.toFixed(3)} ms`;

const event = (i) => ({
  type: 'decision',
  session: 'bench',
  time: new Date().toISOString(),
  provenance: 'reported',
  source: 'hook',
  tool: 'Bash',
  what: `npx vitest run test/unit/file-${i}.test.ts && git add -A && git commit -m "step ${i}"`,
  decision: 'allow',
  reason: 'local work',
  rule: 'local-work',
  policyVersion: 'bench',
});
const line = (i) => `${JSON.stringify(event(i))}\n`;

try {
  // 1. One event at a time, each awaited until durable: the cost of one write + fdatasync.
  {
    const log = await openAuditLog(path.join(dir, 'single.jsonl'));
    const t = [];
    for (let i = 0; i < 300; i += 1) {
      const t0 = performance.now();
      log.append(line(i));
      await log.flush();
      t.push(performance.now() - t0);
    }
    await log.close();
    t.sort((a, b) => a - b);
    console.log(
      `audit-bench: one event made durable (write + fdatasync), 300 runs: p50 ${ms(pct(t, 50))}, p99 ${ms(pct(t, 99))}`,
    );
  }
  // 2. A burst of 2,000 events: one fsync each, against group commit.
  for (const maxBatch of [1, 512]) {
    const log = await openAuditLog(path.join(dir, `burst-${maxBatch}.jsonl`), { maxBatch });
    const t0 = performance.now();
    for (let i = 0; i < 2_000; i += 1) log.append(line(i));
    await log.flush();
    const total = performance.now() - t0;
    await log.close();
    console.log(
      `audit-bench: burst of 2000 events, ${maxBatch === 1 ? 'one fsync per event' : `group commit (<= ${maxBatch} per fsync)`}: ${ms(total)} total, ${ms(total / 2_000)} per event until durable`,
    );
  }
  // 3. The sink's own CPU per event on the gate's event loop (stamp, redact with 200 secret digests, JSON).
  {
    const secrets = digestSecrets(
      Array.from({ length: 200 }, (_, i) => `bench-secret-value-${i}-x`),
      '00'.repeat(16),
    );
    const sink = auditSink(
      { append: () => undefined, failure: () => null, flush: async () => {}, close: async () => {} },
      {
        context: { user: 'dev', repository: '/repo', branch: 'main', commit: 'abc' },
        secrets,
      },
    );
    for (let i = 0; i < 2_000; i += 1) sink.write(event(i));
    const n = 20_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1) sink.write(event(i));
    const per = (performance.now() - t0) / n;
    console.log(
      `audit-bench: sink CPU per event (stamp + redact + JSON, 200 secret digests): ${(per * 1000).toFixed(1)} µs`,
    );
  }
  console.log(
    `audit-bench: dir ${dir} (filesystem type 0x${fsType}), node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg()[0].toFixed(2)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
