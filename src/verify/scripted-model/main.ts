import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { parseScript } from './script.js';
import { startScriptedModel } from './server.js';

// Standalone entry: `node main.js <script.json> <port> [host] [api-key]`. Imports only node built-ins
// and siblings, so it runs inside a container from a bare Node binary without node_modules.
// Prints one JSON line on stdout when listening; request logs go to stderr. Recorded requests are
// served at GET /_scripted/requests.

/**
 * Why the model is its own sink: a red-team step that exfiltrates needs a far side the case owns and can
 * observe; `{{sink}}` in the script becomes this container's own address (its first non-internal IPv4).
 */
function withSink(text: string, port: number): string {
  if (!text.includes('{{sink}}')) return text;
  const own = Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
  return text.replaceAll('{{sink}}', `${own?.address ?? '127.0.0.1'}:${port}`);
}

async function main(argv: readonly string[]): Promise<number> {
  const [scriptPath, portText, host = '127.0.0.1', apiKey] = argv;
  const port = Number(portText ?? '0');
  if (!scriptPath || !Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('usage: main.js <script.json> <port> [host] [api-key]\n');
    return 2;
  }
  const script = parseScript(JSON.parse(withSink(readFileSync(scriptPath, 'utf8'), port)) as unknown);
  const model = await startScriptedModel({
    script,
    host,
    port,
    ...(apiKey ? { apiKey } : {}),
    log: (line) => process.stderr.write(`scripted-model: ${line}\n`),
  });
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: model.url, port: model.port })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await model.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`scripted-model: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
