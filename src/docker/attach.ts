import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import type { AttachedStreams, AttachOptions } from '../engine/engine.js';
import { StreamDemuxer } from './demux.js';

/**
 * Splits a hijacked attach connection into Node streams. With a TTY the engine sends raw bytes (stderr is
 * merged into stdout); without one it multiplexes them. Ending `stdin` half-closes the connection, which
 * the engine turns into EOF on the container's stdin; the output streams keep flowing until it exits.
 */
export function splitAttachSocket(socket: Duplex, options: AttachOptions, tty: boolean): AttachedStreams {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  if (tty) {
    socket.on('data', (chunk: Buffer) => stdout.write(chunk));
  } else {
    const demux = new StreamDemuxer(
      (c) => stdout.write(c),
      (c) => stderr.write(c),
    );
    socket.on('data', (chunk: Buffer) => demux.push(chunk));
  }
  let ended = false;
  const endOutputs = (): void => {
    if (ended) return;
    ended = true;
    stdout.end();
    stderr.end();
  };
  socket.on('end', endOutputs);
  socket.on('close', endOutputs);
  socket.on('error', (err: Error) => {
    // Why: a broken connection must reach the reader as an error, not as a clean end of output.
    ended = true;
    stdout.destroy(err);
    stderr.end();
  });

  const stdin = options.stdin
    ? new Writable({
        write(chunk: Buffer, _encoding, callback) {
          socket.write(chunk, (err) => callback(err ?? null));
        },
        final(callback) {
          socket.end(() => callback());
        },
      })
    : undefined;

  return {
    stdin,
    stdout,
    stderr,
    close: () => {
      socket.destroy();
      endOutputs();
    },
  };
}
