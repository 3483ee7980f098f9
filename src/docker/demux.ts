/**
 * Why our own demultiplexer: the engine frames stdout and stderr of a non-TTY stream as
 * [type, 0, 0, 0, size(uint32 BE)] + payload, and frames may be split across chunks at any byte.
 * docker-modem's helper assumes whole headers per chunk; this one keeps the remainder.
 */
export class StreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onStdout: (chunk: Buffer) => void,
    private readonly onStderr: (chunk: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const type = this.pending[0];
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) return;
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (type === 2) this.onStderr(payload);
      else if (type === 1 || type === 0) this.onStdout(payload);
      // Other types do not occur; dropping them is safer than mixing them into output.
    }
  }

  /** Bytes of an incomplete frame left when the stream ended (0 when it ended cleanly). */
  get leftover(): number {
    return this.pending.length;
  }
}
