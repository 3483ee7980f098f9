import type { IncomingMessage } from 'node:http';

/**
 * Reads a whole request body, at most `limit` bytes; null when it is larger (the rest is drained, not
 * kept). Why one helper: the hook endpoint and the OTLP relay both read small JSON bodies whole.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) parts.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(parts)));
    req.on('error', reject);
  });
}
