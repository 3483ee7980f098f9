import type { FileHandle } from 'node:fs/promises';

/** The append-only JSONL file of one session; lines are durable (fsync) before `flush` resolves. */
export interface AuditLog {
  /** Queues one line (with its newline); it is written and synced with the next batch. */
  append(line: string): void;
  /** The error that broke the log, if any. Why: a gate that cannot record decisions stops forwarding. */
  failure(): Error | null;
  /** Resolves once every line appended so far is on disk; rejects if the log broke. */
  flush(): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
}

export interface AuditLogOptions {
  /**
   * Most lines per write+fsync (default 512). Why batches: an fsync costs far more than a write, and
   * the gate must not stall its traffic on the disk; lines that arrive while one fsync runs go to disk
   * together with the next one, so no line waits longer than one fsync for its turn and nothing waits
   * on a timer. 1 gives one fsync per event (test/bench/audit compares the two).
   */
  maxBatch?: number;
}

/**
 * Opens (appending, mode 0600, created if missing) the log at `path`. Why open before the gate
 * listens: a gate whose audit log cannot be written must fail at start, not after it has forwarded
 * traffic. Why fdatasync: the lines must survive the host losing power, not only the gate dying.
 */
export async function openAuditLog(path: string, options: AuditLogOptions = {}): Promise<AuditLog> {
  const fs = process.getBuiltinModule('node:fs/promises');
  await fs.mkdir(process.getBuiltinModule('node:path').dirname(path), { recursive: true });
  const file: FileHandle = await fs.open(path, 'a', 0o600);
  const maxBatch = Math.max(1, options.maxBatch ?? 512);
  let pending: string[] = [];
  let running: Promise<void> | null = null;
  let failed: Error | null = null;
  let closed = false;

  const pump = async (): Promise<void> => {
    while (pending.length > 0 && failed === null) {
      const batch = pending.length <= maxBatch ? pending : pending.slice(0, maxBatch);
      pending = pending.length <= maxBatch ? [] : pending.slice(maxBatch);
      try {
        await file.appendFile(batch.join(''));
        await file.datasync();
      } catch (error) {
        failed ??= error instanceof Error ? error : new Error(String(error));
      }
    }
    running = null;
  };
  const flush = async (): Promise<void> => {
    while (running !== null) await running;
    if (failed !== null) throw failed;
  };
  return {
    append(line) {
      if (failed !== null || closed) return;
      pending.push(line);
      running ??= pump();
    },
    failure: () => failed,
    flush,
    async close() {
      if (closed) return flush();
      closed = true;
      try {
        await flush();
      } finally {
        await file.close();
      }
    },
  };
}
