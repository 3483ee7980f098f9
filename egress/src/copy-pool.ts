/** One upstream read copied out of the shared read buffer, and how to give its memory back. */
export interface PooledCopy {
  chunk: Buffer;
  /** Call once nothing holds `chunk` any more (the client write's callback); later calls do nothing. */
  release: () => void;
}

/** Reused copy buffers for the download half of every tunnel (downlink.ts). One per gate. */
export interface CopyPool {
  copy(source: Buffer): PooledCopy;
  /** Buffers lent out and not yet released, and buffers kept for reuse (for tests and stats). */
  stats(): { out: number; free: number };
}

/** Options of copyPool. */
export interface CopyPoolOptions {
  /** Size of each pooled buffer: the largest read it must hold (the read buffer's size). */
  size: number;
  /** At most this many released buffers are kept; more are left to the garbage collector. */
  keep: number;
}

// Below this Node's Buffer.from already copies into its shared 8 KiB slab, so a pool buys nothing.
const SMALL_BYTES = 4 * 1024;
const noRelease = (): void => undefined;

/**
 * Why a pool: a fresh Buffer per read (256 KiB at full speed) is memory outside the JavaScript heap
 * that only a garbage collection frees, so a 1 GiB download left ~150 MB of dead copies resident
 * before V8 collected them (test/bench/egress). A buffer comes back only when the write that holds it
 * has called back, so it is never handed out while the kernel may still read from it.
 */
export function copyPool(options: CopyPoolOptions): CopyPool {
  const free: Buffer[] = [];
  let out = 0;
  return {
    copy(source) {
      if (source.length < SMALL_BYTES) return { chunk: Buffer.from(source), release: noRelease };
      if (source.length > options.size) throw new RangeError('read larger than the copy pool buffers');
      const buffer = free.pop() ?? Buffer.allocUnsafeSlow(options.size);
      source.copy(buffer);
      out += 1;
      let released = false;
      return {
        chunk: buffer.subarray(0, source.length),
        release: () => {
          if (released) return;
          released = true;
          out -= 1;
          if (free.length < options.keep) free.push(buffer);
        },
      };
    },
    stats: () => ({ out, free: free.length }),
  };
}
