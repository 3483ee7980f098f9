import type { VerifyRecord } from './judge.js';

/** One readable block per case: the guide's record (fixture, expected, actual, boundary, evidence, owner). */
export function recordLines(r: VerifyRecord): string[] {
  const mark = r.status === 'pass' ? 'PASS' : 'FAIL';
  const lines = [
    `${mark} ${r.tier} ${r.scenario}: ${r.title} (${(r.durationMs / 1000).toFixed(1)} s)`,
    `  expected ${r.expected}, actual ${r.actual}; must stop at: ${r.boundary}; stopped by: ${r.stoppedBy.join(', ') || 'nothing'}`,
  ];
  for (const t of r.evidence.toolResults)
    lines.push(
      `  tool_result ${t.toolUseId}${t.isError ? ' (error)' : ''}: ${t.excerpt.replace(/\s+/g, ' ')}`,
    );
  for (const a of r.evidence.auditEvents) lines.push(`  audit ${a}`);
  if (r.evidence.canaryReachedModel !== undefined)
    lines.push(`  canary ${r.evidence.canaryReachedModel ? 'REACHED the model' : 'never reached the model'}`);
  if (r.evidence.hostChanged.length > 0) lines.push(`  host changed: ${r.evidence.hostChanged.join(', ')}`);
  for (const f of r.failures) lines.push(`  failed: ${f}`);
  if (r.owner ?? r.fix) lines.push(`  owner: ${r.owner ?? '-'}; fix: ${r.fix ?? '-'}`);
  if (r.session) lines.push(`  session ${r.session} (ccbox audit ${r.session})`);
  return lines;
}

const xml = (text: string): string =>
  text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/g, '');

/** A JUnit report (one testsuite per tier), the format CI dashboards read. */
export function junitReport(records: readonly VerifyRecord[]): string {
  const tiers = [...new Set(records.map((r) => r.tier))];
  const suites = tiers.map((tier) => {
    const cases = records.filter((r) => r.tier === tier);
    const failed = cases.filter((r) => r.status === 'fail').length;
    const time = cases.reduce((t, r) => t + r.durationMs, 0) / 1000;
    const body = cases
      .map((r) => {
        const head = `    <testcase classname="ccbox.verify.${xml(tier)}" name="${xml(r.scenario)}" time="${(r.durationMs / 1000).toFixed(3)}">`;
        const detail = xml(recordLines(r).join('\n'));
        const inner =
          r.status === 'fail'
            ? `\n      <failure message="${xml(r.failures.join('; '))}">${detail}</failure>\n    `
            : `\n      <system-out>${detail}</system-out>\n    `;
        return `${head}${inner}</testcase>`;
      })
      .join('\n');
    return `  <testsuite name="ccbox verify ${xml(tier)}" tests="${cases.length}" failures="${failed}" time="${time.toFixed(3)}">\n${body}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="ccbox verify">\n${suites.join('\n')}\n</testsuites>\n`;
}
