// Startup benchmark: `ccbox shell -- true` with a warm image against `docker run --rm <same image> true`,
// interleaved in one run so both see the same machine state. Prints medians, p90s and the ratio.
// Usage: node test/bench/startup.mjs [runs]   (needs a built dist/, a running engine, root for the fixture)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');
const runs = Number(process.argv[2] ?? 15);
const cache = process.env.CCBOX_TEST_CACHE ?? path.join(os.tmpdir(), 'ccbox-test-cache');

const repo = path.join(mkdtempSync(path.join(os.tmpdir(), 'ccbox-bench-')), 'repo');
mkdirSync(repo);
execFileSync('git', ['init', '-q'], { cwd: repo });
writeFileSync(path.join(repo, 'README.md'), 'bench\n');
if (process.getuid?.() === 0) execFileSync('chown', ['-R', '1000:1000', path.dirname(repo)]);

const env = { ...process.env, CCBOX_CACHE_DIR: cache };
const warm = spawnSync(process.execPath, [cli, 'shell', '--json', '--', 'true'], {
  cwd: repo,
  env,
  encoding: 'utf8',
});
if (warm.status !== 0) {
  console.error(warm.stderr);
  process.exit(1);
}
const outcome = JSON.parse(warm.stdout.trim().split('\n').pop());
const image = outcome.image;

const time = (cmd, args, opts) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { ...opts, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const ccbox = [];
const docker = [];
for (let i = 0; i < runs; i++) {
  ccbox.push(time(process.execPath, [cli, 'shell', '--plain', '--', 'true'], { cwd: repo, env }));
  docker.push(time('docker', ['run', '--rm', image, 'true'], {}));
}
const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const fmt = (ms) => `${ms.toFixed(0)} ms`;
console.log(`startup, ${runs} runs each, image ${image}`);
console.log(`  ccbox shell -- true     median ${fmt(q(ccbox, 0.5))}  p90 ${fmt(q(ccbox, 0.9))}`);
console.log(`  docker run --rm true    median ${fmt(q(docker, 0.5))}  p90 ${fmt(q(docker, 0.9))}`);
console.log(`  ratio (median)          ${(q(ccbox, 0.5) / q(docker, 0.5)).toFixed(2)}x   (target < 4x)`);
