// `npm run bench [-- NAME ...]`: runs the named benchmarks (default: all) one after another.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const all = ['startup', 'egress', 'audit', 'policy', 'hook', 'concurrency'];
const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;
let failed = 0;
for (const name of names) {
  const file = [path.join(dir, `${name}.mjs`), path.join(dir, name, 'index.mjs')].find(existsSync);
  if (!file) {
    console.error(`no benchmark named ${name} (have: ${all.join(', ')})`);
    failed++;
    continue;
  }
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
