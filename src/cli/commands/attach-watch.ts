import type { AttachedStreams } from '../../engine/engine.js';

/** How long the container may outlive its attach stream before the session counts as cut off. */
export const ATTACH_GRACE_MS = 5_000;

/**
 * Reports a lost engine connection from the attach stream: an error on it, or its end while the container
 * is still running. Why the end counts too: a connection the engine side closes (a proxy, a restarted
 * socket) ends the stream cleanly, and a long-poll `wait` on a fresh connection would then keep the session
 * running blind (no output, no input) until the command finishes by itself. A container that exits ends
 * its attach stream too, so the end only counts once `wait` has not answered within `graceMs`.
 */
export function watchAttach(
  streams: Pick<AttachedStreams, 'stdout' | 'stderr'>,
  onLost: (reason: string) => void,
  graceMs = ATTACH_GRACE_MS,
): { exited(): void } {
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const lost = (reason: string): void => {
    if (done) return;
    done = true;
    onLost(reason);
  };
  const onError = (err: Error): void => lost(err.message);
  streams.stdout.on('error', onError);
  streams.stderr.on('error', onError);
  streams.stdout.once('end', () => {
    if (done) return;
    timer = setTimeout(() => lost('the attach stream ended while the container kept running'), graceMs);
    timer.unref();
  });
  return {
    exited() {
      done = true;
      clearTimeout(timer);
    },
  };
}
