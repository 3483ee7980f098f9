// Reads the vitest JSON report (argv[2]) and prints `N passed, N failed, N skipped`. In CI (CI=true) a
// skipped test under test/docker/ or test/e2e/ fails the run and is named. Why: those suites are the
// security and real-engine checks, and one that skips (no root, no engine) would otherwise pass as green.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const root = process.cwd();
const skipped = [];
for (const file of report.testResults ?? []) {
  const rel = path.relative(root, file.name);
  for (const t of file.assertionResults ?? []) {
    if (t.status === 'passed' || t.status === 'failed') continue;
    skipped.push({ file: rel, title: t.fullName ?? t.title, status: t.status });
  }
}
const count = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed, ${count} skipped`);
const guarded = skipped.filter((t) => /^test\/(docker|e2e)\//.test(t.file));
if (process.env.CI === 'true' && guarded.length > 0) {
  console.error(`error: ${guarded.length} real-engine or e2e test(s) were skipped; in CI that is a failure:`);
  for (const t of guarded) console.error(`  ${t.file}: ${t.title} (${t.status})`);
  process.exit(1);
}
