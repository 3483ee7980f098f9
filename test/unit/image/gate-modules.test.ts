import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { gatePackageFiles, gatePackages } from '../../../src/image/gate-modules.js';
import { packageRoot } from '../../../src/paths.js';

// What the gate image gets of the OpenTelemetry SDK: the dependency closure, ESM files only, and
// enough of it that the gate's imports resolve with nothing else around.

const dir = mkdtempSync(path.join(tmpdir(), 'ccbox-gate-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the gate image packages', () => {
  const packages = gatePackages(packageRoot());

  it('are the SDK packages and their whole dependency closure, each once with its version', () => {
    const names = packages.map((p) => p.name);
    for (const n of [
      '@opentelemetry/sdk-logs',
      '@opentelemetry/exporter-logs-otlp-http',
      '@opentelemetry/core',
      '@opentelemetry/otlp-transformer',
      '@opentelemetry/api',
    ])
      expect(names).toContain(n);
    expect(new Set(names).size).toBe(names.length);
    for (const p of packages) expect(p.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('load on their own from a folder holding only the copied files (as /opt/ccbox in the image)', async () => {
    const files = gatePackageFiles(packages);
    const otel = files.filter((f) => f.path.startsWith('app/node_modules/@opentelemetry/'));
    expect(otel.every((f) => f.path.endsWith('.mjs') || f.path.endsWith('/package.json'))).toBe(true);
    // The hook engine's: the WASM runtime and grammar, never tree-sitter-bash's native binding.
    const paths = files.map((f) => f.path);
    expect(paths).toContain('app/node_modules/tree-sitter-bash/tree-sitter-bash.wasm');
    expect(paths).toContain('app/node_modules/web-tree-sitter/tree-sitter.wasm');
    expect(paths).toContain('app/node_modules/picomatch/index.js');
    expect(paths.filter((p) => p.includes('node-gyp-build') || p.includes('/prebuilds/'))).toEqual([]);
    for (const f of files) {
      const target = path.join(dir, f.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, f.content);
    }
    const probe = path.join(dir, 'app', 'probe.mjs');
    writeFileSync(
      probe,
      "export { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';\n" +
        "export { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';\n" +
        "export { resourceFromAttributes } from '@opentelemetry/resources';\n" +
        "export { Parser, Language } from 'web-tree-sitter';\n" +
        "export { default as picomatch } from 'picomatch';\n" +
        "import { createRequire } from 'node:module';\n" +
        "export const grammar = createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm');\n",
    );
    const mod = (await import(pathToFileURL(probe).href)) as Record<string, unknown>;
    expect(typeof mod.LoggerProvider).toBe('function');
    expect(typeof mod.OTLPLogExporter).toBe('function');
    expect(typeof mod.picomatch).toBe('function');
    const { Parser, Language, grammar } = mod as unknown as {
      Parser: { init(): Promise<void>; new (): { setLanguage(l: unknown): void; parse(s: string): unknown } };
      Language: { load(p: string): Promise<unknown> };
      grammar: string;
    };
    expect(grammar.startsWith(dir)).toBe(true);
    await Parser.init();
    const parser = new Parser();
    parser.setLanguage(await Language.load(grammar));
    expect(parser.parse('echo hi | sh')).not.toBeNull();
    expect(import.meta.resolve?.('@opentelemetry/sdk-logs', pathToFileURL(probe).href)).toContain(dir);
  });
});
