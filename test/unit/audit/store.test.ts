import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditLog } from '../../../src/audit/store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ccbox-audit-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the audit log', () => {
  it.each([1, 512])('keeps every line in order (batches of at most %i), mode 0600', async (maxBatch) => {
    const file = path.join(dir, `order-${maxBatch}.jsonl`);
    const log = await openAuditLog(file, { maxBatch });
    for (let i = 0; i < 2_000; i += 1) log.append(`${i}\n`);
    await log.flush();
    log.append('last\n');
    await log.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toEqual([...Array.from({ length: 2_000 }, (_, i) => String(i)), 'last']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('appends to an existing log (a restarted gate keeps what was written)', async () => {
    const file = path.join(dir, 'append.jsonl');
    for (const word of ['one', 'two']) {
      const log = await openAuditLog(file);
      log.append(`${word}\n`);
      await log.close();
    }
    expect(readFileSync(file, 'utf8')).toBe('one\ntwo\n');
  });

  it('reports a disk that refuses writes, so the gate stops forwarding', async () => {
    const log = await openAuditLog('/dev/full');
    log.append('x\n');
    await expect(log.flush()).rejects.toThrow(/ENOSPC/);
    expect(log.failure()?.message).toMatch(/ENOSPC/);
    log.append('after\n'); // ignored, never thrown
    await expect(log.close()).rejects.toThrow(/ENOSPC/);
  });
});
