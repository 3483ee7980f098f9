import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { EgressEvent, RelayEvent } from '../../src/policy/egress/index.js';

/** Where decision events go. The gate owns its sink once started and closes it on shutdown. */
export interface EventSink {
  write(event: EgressEvent | RelayEvent): void;
  /** The error that broke the sink, if any. Why: a gate that cannot record decisions stops forwarding. */
  failure(): Error | null;
  /** Flushes and closes; rejects if the underlying stream failed. */
  close(): Promise<void>;
}

/** Writes one JSON object per line to a stream (a file in production, anything in tests). */
export function jsonLinesSink(stream: Writable): EventSink {
  let failed: Error | null = null;
  stream.on('error', (error: Error) => {
    failed ??= error;
  });
  return {
    write(event) {
      if (failed === null && stream.writable) stream.write(`${JSON.stringify(event)}\n`);
    },
    failure: () => failed,
    async close() {
      if (!stream.writableEnded && !stream.destroyed) {
        stream.end();
        if (!stream.writableFinished) await Promise.race([once(stream, 'finish'), once(stream, 'close')]);
      }
      if (failed !== null) throw failed;
    },
  };
}

/**
 * Opens (appending, mode 0600) the JSON-lines log at `path`. Why wait for `open`: a gate whose audit log
 * cannot be written must fail at start, not after it has forwarded traffic.
 */
export async function openJsonLinesFile(path: string): Promise<EventSink> {
  await mkdir(dirname(path), { recursive: true });
  const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  await once(stream, 'open');
  return jsonLinesSink(stream);
}
