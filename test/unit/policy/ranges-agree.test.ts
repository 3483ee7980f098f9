import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/policy/compile/compile.js';
import { compileEgressPolicy, decideTarget, parseCidr } from '../../../src/policy/egress/index.js';
import { metadataInside } from '../../../src/common/ranges.js';
import { validateProfile } from '../../../src/profile/load.js';
import { formatIssue } from '../../../src/profile/issues.js';
import { runCli } from '../cli/run-cli.js';
import { loadOptions, writeProfiles } from '../profile/helpers.js';

// One table of special addresses: the profile validator, the compiler and the gate must agree on every
// metadata address in it. Each case goes the whole way: profile → validation → compiled egress → gate.
const everyMetadata = [
  ...metadataInside(parseCidr('0.0.0.0/0') ?? fail()),
  ...metadataInside(parseCidr('::/0') ?? fail()),
];

function fail(): never {
  throw new Error('bad range');
}

function gateFor(allowCidrs: string[]) {
  const dir = writeProfiles({
    'p.yaml': `name: p\negress:\n  allowCidrs: [${allowCidrs.map((c) => JSON.stringify(c)).join(', ')}]\n`,
  });
  const result = validateProfile(path.join(dir, 'p.yaml'), loadOptions(dir));
  if (!result.profile) return { issues: result.issues.map(formatIssue), gate: null };
  const plan = compile(result.profile);
  return { issues: [], plan, gate: compileEgressPolicy(plan.egress) };
}

const literal = (cidr: string): string => {
  const address = cidr.split('/')[0] ?? '';
  return address.includes(':') ? `[${address}]` : address;
};

describe('the one table of special address ranges', () => {
  it('covers the metadata endpoints of the major clouds', () => {
    const labels = everyMetadata.map((m) => `${m.cidr.text} ${m.label}`).join('\n');
    for (const expected of [
      /169\.254\.169\.254\/32 .*AWS.*GCP.*Azure.*Oracle.*DigitalOcean/,
      /168\.63\.129\.16\/32 .*Azure WireServer/,
      /100\.100\.100\.200\/32 .*Alibaba/,
      /192\.0\.0\.192\/32 .*Oracle/,
      /169\.254\.170\.2\/32 .*ECS/,
      /fd00:ec2::254\/128 .*AWS/,
      /fd20:ce::254\/128 .*GCP/,
    ])
      expect(labels).toMatch(expected);
  });

  it.each(everyMetadata.map((m) => [m.cidr.text, m.label]))(
    '%s: refused by the gate by default; opened only by its exact range, which validates and the gate honours',
    (exact) => {
      const target = { host: literal(exact), port: 443 };
      const none = gateFor([]);
      expect(none.gate && decideTarget(none.gate, target).decision).toBe('deny');
      const opened = gateFor([exact]);
      expect(opened.issues).toEqual([]);
      expect(opened.plan?.egress.allowCidrs).toEqual([exact]);
      expect(opened.gate && decideTarget(opened.gate, target).decision).toBe('allow');
      // A wider range holding it is refused by the validator (the gate would not open it either).
      const wide = exact.includes(':')
        ? `${exact.split('/')[0] ?? ''}/120`
        : `${exact.split('/')[0] ?? ''}/24`;
      const refused = gateFor([wide]);
      expect(refused.gate).toBeNull();
      expect(refused.issues.join('\n')).toMatch(/a metadata address opens only by its exact range/);
    },
  );

  it('refuses a range holding the Azure WireServer, which sits in public space', () => {
    expect(gateFor(['168.63.129.0/24']).issues.join('\n')).toMatch(
      /egress\.allowCidrs\[0\]: range contains the cloud metadata \(Azure WireServer\) address 168\.63\.129\.16/,
    );
  });

  it('names an opened metadata address in profiles diff, as a weakening', async () => {
    const dir = writeProfiles({
      'old.yaml': 'name: old\n',
      'new.yaml': 'name: new\negress:\n  allowCidrs: [169.254.169.254/32, 10.20.0.0/16]\n',
    });
    const r = await runCli(['profiles', 'diff', 'old.yaml', 'new.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^WEAKENS \+ egress\.allowCidrs: 169\.254\.169\.254\/32 \(cloud metadata \(AWS, GCP, Azure/m,
    );
    expect(r.stdout).toMatch(/^WEAKENS \+ egress\.allowCidrs: 10\.20\.0\.0\/16 \(private \(RFC 1918\)\)$/m);
  });
});
