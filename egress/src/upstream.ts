import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { deadline } from './deadline.js';

/**
 * Opens a TCP connection to an already-checked address. Why injectable: conformance tests record where
 * the gate would connect and send it to a loopback echo server instead.
 */
/** A connector must read into `reader` when given one (a tunnel gets its bytes from it alone). */
export type Connector = (address: string, port: number, reader?: UpstreamReader) => Socket;

/**
 * Reads a tunnel's upstream straight into a given buffer (net's `onread`); see downlink.ts for
 * why. The callback must copy what it keeps: the buffer is reused by the next read.
 */
export interface UpstreamReader {
  buffer: Buffer;
  callback: (bytes: number, buffer: Buffer) => boolean;
}

/**
 * The production connector. Why `lookup` throws: the address is an IP literal, so Node never resolves;
 * if that ever changed, a second lookup would reopen DNS rebinding, and this fails it closed.
 */
export const directConnector: Connector = (address, port, reader) =>
  connect({
    host: address,
    port,
    allowHalfOpen: true,
    noDelay: true,
    ...(reader ? { onread: reader } : {}),
    lookup: (_host, _options, callback) => {
      callback(new Error('the gate never resolves at connect time'), '', 4);
    },
  });

/** The connected socket and the address it reached. */
export interface Upstream {
  socket: Socket;
  address: string;
}

/**
 * Connects to the first reachable candidate, in order, within one overall deadline. Every candidate was
 * checked by the policy; nothing else is ever dialled. Rejects with the last error.
 */
export async function connectFirst(
  candidates: readonly string[],
  port: number,
  connector: Connector,
  timeoutMs: number,
  signal: AbortSignal,
  reader?: UpstreamReader,
): Promise<Upstream> {
  const limit = deadline(signal, timeoutMs, 'connect');
  let last: Error = new Error('no address to connect to');
  try {
    for (const address of candidates) {
      if (limit.signal.aborted) break;
      try {
        return { socket: await connectOne(connector, address, port, limit.signal, reader), address };
      } catch (error) {
        last = error instanceof Error ? error : new Error(String(error));
      }
    }
  } finally {
    limit.dispose();
  }
  const reason: unknown = limit.signal.reason;
  return Promise.reject(limit.signal.aborted && reason instanceof Error ? reason : last);
}

function connectOne(
  connector: Connector,
  address: string,
  port: number,
  signal: AbortSignal,
  reader: UpstreamReader | undefined,
): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connector(address, port, reader);
    const cleanup = (): void => {
      socket.off('connect', onConnect);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onConnect = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onAbort = (): void => {
      const reason: unknown = signal.reason;
      onError(reason instanceof Error ? reason : new Error(`connect to ${address}:${port} aborted`));
    };
    socket.once('connect', onConnect);
    socket.once('error', onError);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
