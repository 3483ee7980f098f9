import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';

/** The fields of a ustar header block that extraction needs. */
export interface TarHeader {
  name: string;
  mode: number;
  size: number;
  /** 'file' for regular files; 'L' (GNU long name) and 'x' (pax) carry metadata for the next entry. */
  type: 'file' | 'L' | 'x' | 'other';
}

function invalid(message: string): CcboxError {
  return new CcboxError(message, { code: 'NPM_TARBALL_INVALID', exitCode: ExitCodes.imageBuildFailed });
}

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

function octal(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  // GNU base-256 for values that do not fit in octal digits (files over 8 GiB).
  if ((field[0] ?? 0) & 0x80) {
    let value = (field[0] ?? 0) & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return value;
  }
  const text = cString(block, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw invalid(`Bad octal field '${text}' in tar header`);
  return parseInt(text, 8);
}

/** Why the checksum check: a corrupt or non-tar stream must fail loudly, not yield garbage entries. */
export function parseTarHeader(block: Buffer): TarHeader {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  if (sum !== octal(block, 148, 8)) throw invalid('Tar header checksum mismatch');
  const flag = String.fromCharCode(block[156] ?? 0);
  const prefix = block.subarray(257, 262).toString('latin1') === 'ustar' ? cString(block, 345, 155) : '';
  const base = cString(block, 0, 100);
  const type =
    flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === 'L' || flag === 'x' ? flag : 'other';
  return {
    name: prefix ? `${prefix}/${base}` : base,
    mode: octal(block, 100, 8),
    size: octal(block, 124, 12),
    type,
  };
}

/** Reads exact byte counts and byte ranges from a chunk iterator without concatenating large data. */
export class ChunkReader {
  private readonly source: AsyncIterator<Buffer>;
  private pending: Buffer[] = [];
  private pendingLength = 0;

  constructor(source: AsyncIterator<Buffer>) {
    this.source = source;
  }

  private async fill(): Promise<boolean> {
    const next = await this.source.next();
    if (next.done) return false;
    this.pending.push(next.value);
    this.pendingLength += next.value.length;
    return true;
  }

  private take(max: number): Buffer {
    const head = this.pending[0];
    if (!head) throw invalid('Tar reader underflow');
    const piece = head.subarray(0, Math.min(max, head.length));
    if (piece.length === head.length) this.pending.shift();
    else this.pending[0] = head.subarray(piece.length);
    this.pendingLength -= piece.length;
    return piece;
  }

  /** Returns exactly `length` bytes, null at a clean end of stream; throws when the stream ends mid-way. */
  async readExact(length: number): Promise<Buffer | null> {
    while (this.pendingLength < length) {
      if (!(await this.fill())) {
        if (this.pendingLength === 0) return null;
        throw invalid('Tarball ends in the middle of an entry');
      }
    }
    const parts: Buffer[] = [];
    for (let left = length; left > 0;) {
      const piece = this.take(left);
      parts.push(piece);
      left -= piece.length;
    }
    return parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts);
  }

  /** Yields the next `length` bytes as they arrive. */
  async *readChunks(length: number): AsyncGenerator<Buffer> {
    for (let left = length; left > 0;) {
      if (this.pendingLength === 0 && !(await this.fill()))
        throw invalid('Tarball ends in the middle of a file');
      const piece = this.take(left);
      left -= piece.length;
      yield piece;
    }
  }

  /** Drops the next `length` bytes. */
  async skip(length: number): Promise<void> {
    for await (const piece of this.readChunks(length)) void piece;
  }
}
