import type { IncomingMessage } from 'node:http';

/**
 * Reads a whole request body, at most `limit` bytes; null when it is larger (the rest is drained, not
 * kept). Why one helper: the hook endpoint, the OTLP relay, the model relay and the credential relay all
 * read small bodies whole.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Why answer at once: a body past the limit is refused whole; the rest is drained, never kept.
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
      } else parts.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(parts)));
    req.on('error', reject);
  });
}
