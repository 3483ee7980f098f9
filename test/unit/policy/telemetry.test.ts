import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/policy/compile/compile.js';
import { loadProfile } from '../../../src/profile/load.js';
import { loadOptions, writeProfiles } from '../profile/helpers.js';

// Telemetry with a collector: Claude Code exports to the gate's OTLP relay (never to the collector),
// and the plan tells the gate where the collector is.

const plan = (ref: string) => compile(loadProfile(ref, loadOptions()).profile);

describe('telemetry in the plan', () => {
  it('without a collector: no OTEL export, no audit export, nothing new in the plan', () => {
    const p = plan('low-risk');
    expect(p.audit).toBeUndefined();
    expect(Object.keys(p.managedSettings.env).filter((k) => k.startsWith('OTEL_'))).toEqual([]);
    expect(p.managedSettings.env.CLAUDE_CODE_ENABLE_TELEMETRY).toBeUndefined();
  });

  it('with a collector: Claude Code sends OTLP JSON to the gate, the gate gets the collector, tool details stay off', () => {
    const dir = writeProfiles({
      'otel.yaml':
        'name: otel\nextends: low-risk\ntelemetry:\n  otlpEndpoint: https://otel.corp.example:4318\n',
    });
    const p = plan(path.join(dir, 'otel.yaml'));
    expect(p.audit).toEqual({ otlpEndpoint: 'https://otel.corp.example:4318' });
    expect(p.managedSettings.env).toMatchObject({
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://gate:4318',
    });
    expect(p.managedSettings.env.OTEL_LOG_TOOL_DETAILS).toBeUndefined();
    expect(JSON.stringify(p.managedSettings)).not.toContain('otel.corp.example');
    // The collector is not on the agent's allowlist: only the gate talks to it.
    expect(p.egress.allowHosts).not.toContain('otel.corp.example');
    expect(p.policyVersion).not.toBe(plan('low-risk').policyVersion);
  });

  it('turns tool details on only where the tier says so', () => {
    const dir = writeProfiles({
      'otel.yaml':
        'name: otel\nextends: low-risk\ntelemetry:\n  otlpEndpoint: https://otel.corp.example\n  logToolDetails: true\n',
    });
    expect(plan(path.join(dir, 'otel.yaml')).managedSettings.env.OTEL_LOG_TOOL_DETAILS).toBe('1');
  });
});
