import type { Socket } from 'node:net';
import type { CopyPool } from './copy-pool.js';
import type { UpstreamReader } from './upstream.js';

/** The download half of a CONNECT tunnel: upstream bytes to the client, in order, with backpressure. */
export interface Downlink {
  /** Handed to the connector, so the upstream socket reads straight into the gate's read buffer. */
  reader: UpstreamReader;
  /** Starts delivery once the client has its 200 answer: what arrived before goes first. */
  attach(client: Socket, upstream: Socket): void;
}

/** How much one upstream read may take: four times what pipe() reads at a time. */
export const READ_BUFFER_BYTES = 256 * 1024;

/**
 * Why not `upstream.pipe(client)`: pipe() hands over a freshly allocated chunk of at most 64 KiB per
 * read; reading into one larger buffer (net's `onread`) and copying each read into the client's write
 * queue moved 1.4x the bytes per second on loopback and about 1.1x between containers
 * (`CCBOX_BENCH_EGRESS_TARGETS=squid,nodeproxy npm run bench -- egress`), level with squid. A client
 * that stops reading pauses the upstream, so nothing piles up. Upload stays `client.pipe(up)`.
 *
 * Why one `buffer` can serve every tunnel of the gate: Node fills it and calls back synchronously, one
 * read at a time on the one JavaScript thread, and the callback copies the bytes out before it returns,
 * so no byte outlives its callback there. A buffer per tunnel cost 256 KiB of allocation, and the
 * garbage collection after it, on every CONNECT. The copies come from `pool` and go back to it when
 * the client's write of them calls back (copy-pool.ts says why).
 */
export function downlink(buffer: Buffer, pool: CopyPool): Downlink {
  let client: Socket | null = null;
  let upstream: Socket | null = null;
  // Bytes a server sends before the tunnel is established (a greeting) wait for the 200 answer.
  const early: Buffer[] = [];
  const reader: UpstreamReader = {
    buffer,
    callback: (bytes, filled) => {
      const bytesRead = filled.subarray(0, bytes);
      if (client === null) {
        // A copy of its own: the next read, of this tunnel or another, reuses the buffer.
        early.push(Buffer.from(bytesRead));
        return true;
      }
      const { chunk, release } = pool.copy(bytesRead);
      // The callback runs once the write is done or failed: only then is the copy free for reuse.
      if (client.write(chunk, release)) return true;
      const paused = upstream;
      client.once('drain', () => paused?.resume());
      return false; // stops reading until the client has drained
    },
  };
  return {
    reader,
    attach(c, up) {
      for (const chunk of early) c.write(chunk);
      early.length = 0;
      client = c;
      upstream = up;
      // A half-close from upstream reaches the client after every byte before it.
      if (up.readableEnded) c.end();
      else up.once('end', () => c.end());
    },
  };
}
