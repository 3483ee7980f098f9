import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../src/audit/event.js';
import { runCli } from './run-cli.js';

// `ccbox audit` over a state dir laid out as sessions leave it: <state>/sessions/<id>/audit/audit.jsonl.

const state = mkdtempSync(path.join(tmpdir(), 'ccbox-audit-cli-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));
const env = { CCBOX_STATE_DIR: state, CCBOX_CACHE_DIR: path.join(state, 'cache') };

function ev(over: Partial<AuditEvent>): AuditEvent {
  return {
    type: 'decision',
    session: 'aaaa1111',
    time: '2026-12-02T10:00:00.000Z',
    provenance: 'observed',
    source: 'egress',
    decision: 'allow',
    reason: 'allowed',
    policyVersion: 'v1',
    ...over,
  };
}

function session(id: string, events: AuditEvent[], live = false): string {
  const dir = path.join(state, 'sessions', id, 'audit');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'audit.jsonl'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  if (live) writeFileSync(path.join(dir, 'ready.json'), '{}\n');
  return path.join(dir, 'audit.jsonl');
}

session('aaaa1111', [
  ev({ what: 'registry.npmjs.org:443', rule: 'allow:registry.npmjs.org' }),
  // Same instant: the agent's report is listed after what the gate saw.
  ev({
    source: 'hook',
    provenance: 'reported',
    tool: 'Bash',
    what: 'curl https://x',
    decision: 'deny',
    rule: 'family:data-movement',
    time: '2026-12-02T10:00:01.000Z',
  }),
  ev({
    what: 'evil.example:443',
    decision: 'deny',
    rule: 'deny:not-allowlisted',
    time: '2026-12-02T10:00:01.000Z',
  }),
]);
writeFileSync(path.join(state, 'sessions', 'aaaa1111', 'audit', 'audit.jsonl'), '{"cut short', { flag: 'a' });

describe('ccbox audit', () => {
  it('lists the sessions that have a log, with denials the gate saw and those the agent reported', async () => {
    const r = await runCli(['audit', '--json'], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toContainEqual(
      expect.objectContaining({
        session: 'aaaa1111',
        live: false,
        events: 3,
        deniedObserved: 1,
        deniedReported: 1,
      }),
    );
    const table = await runCli(['audit'], { env });
    expect(table.stdout).toMatch(/^SESSION\s+STATE\s+EVENTS\s+DENIED\s+AGENT-DENY\s+LAST/);
    expect(table.stdout).toMatch(/aaaa1111\s+ended\s+3\s+1\s+1\s+2026-12-02T10:00:01.000Z/);
  });

  it('shows a session as a table (time, by, tool, decision, rule, what), observed first at the same instant', async () => {
    const r = await runCli(['audit', 'aaaa1111'], { env });
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^TIME\s+BY\s+TOOL\s+DECISION\s+RULE\s+WHAT$/);
    expect(rows[1]).toMatch(
      /^2026-12-02 10:00:00.000\s+gate\s+egress\s+allow\s+allow:registry.npmjs.org\s+registry.npmjs.org:443$/,
    );
    expect(rows[2]).toMatch(/gate\s+egress\s+deny\s+deny:not-allowlisted\s+evil.example:443/);
    expect(rows[3]).toMatch(/agent\s+Bash\s+deny\s+family:data-movement\s+curl https:\/\/x/);
    expect(r.stderr).toContain('skipped 1 line(s)');
  });

  it('filters by decision and by tool', async () => {
    const denied = JSON.parse(
      (await runCli(['audit', 'aaaa1111', '--json', '--decision', 'deny'], { env })).stdout,
    ) as AuditEvent[];
    expect(denied.map((e) => e.what)).toEqual(['evil.example:443', 'curl https://x']);
    const bash = JSON.parse(
      (await runCli(['audit', 'aaaa1111', '--json', '--tool', 'bash'], { env })).stdout,
    ) as AuditEvent[];
    expect(bash.map((e) => e.tool)).toEqual(['Bash']);
    const egress = JSON.parse(
      (await runCli(['audit', 'aaaa1111', '--json', '--tool', 'egress'], { env })).stdout,
    ) as AuditEvent[];
    expect(egress).toHaveLength(2);
  });

  it('refuses an unknown decision, an unknown session and a session id that is a path', async () => {
    const bad = await runCli(['audit', 'aaaa1111', '--decision', 'maybe'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--decision must be one of allow, ask, deny');
    for (const id of ['nope', '../aaaa1111']) {
      const r = await runCli(['audit', id], { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('no audit log for session');
    }
  });

  it('follows a live session until its gate stops, printing each event once as a JSON line', async () => {
    const log = session('bbbb2222', [ev({ session: 'bbbb2222', what: 'one:443' })], true);
    const run = runCli(['audit', 'bbbb2222', '--follow', '--json'], { env });
    await sleep(300);
    appendFileSync(
      log,
      `${JSON.stringify(ev({ session: 'bbbb2222', what: 'two:443' }))}\n{"type":"decision",`,
    );
    await sleep(300);
    appendFileSync(
      log,
      `"session":"bbbb2222","time":"2026-12-02T10:00:09.000Z","provenance":"observed","source":"egress","decision":"deny","reason":"r","policyVersion":"v1","what":"three:443"}\n`,
    );
    await sleep(300);
    rmSync(path.join(path.dirname(log), 'ready.json'));
    const r = await run;
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as AuditEvent).what);
    expect(lines).toEqual(['one:443', 'two:443', 'three:443']);
  });
});
