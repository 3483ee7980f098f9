import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProcRoutes, readHostRoutes } from '../../../src/host/routes.js';

// The exact text of /proc/net/route on the CI host (a default route, two bridges, the uplink).
const PROC_ROUTE = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	010200C0	0003	0	0	0	00000000	0	0	0
docker0	000011AC	00000000	0001	0	0	0	0000FFFF	0	0	0
br-8bdca75be9e6	001312C6	00000000	0001	0	0	0	F0FFFFFF	0	0	0
eth0	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
wg0	0A00000A	00000000	0005	0	0	0	FFFFFFFF	0	0	0
`;

describe('host routes', () => {
  it('reads destinations and masks as CIDRs and leaves the default route out', () => {
    expect(parseProcRoutes(PROC_ROUTE)).toEqual([
      '172.17.0.0/16',
      '198.18.19.0/28',
      '192.0.2.0/24',
      '10.0.0.10/32',
    ]);
  });

  it('skips lines that are not routes (short, not hex, a non-contiguous mask)', () => {
    const text = 'Iface\tDestination\n' + 'eth0\tXYZ\n' + 'eth0\t000011AC\t0\t1\t0\t0\t0\tFF00FF00\n';
    expect(parseProcRoutes(text)).toEqual([]);
  });

  it('is empty where there is no /proc/net/route (macOS) and reads the file where there is', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ccbox-routes-'));
    expect(await readHostRoutes(path.join(dir, 'missing'))).toEqual([]);
    writeFileSync(path.join(dir, 'route'), PROC_ROUTE);
    expect(await readHostRoutes(path.join(dir, 'route'))).toContain('172.17.0.0/16');
  });
});
