import { PassThrough } from 'node:stream';

/** A writable that records everything written to it, optionally pretending to be a terminal. */
export function capture(
  tty = false,
  columns = 100,
): PassThrough & { text(): string; isTTY?: boolean; columns?: number } {
  const chunks: Buffer[] = [];
  const s = new PassThrough() as PassThrough & {
    text(): string;
    isTTY?: boolean;
    columns?: number;
    rows?: number;
  };
  s.on('data', (c: Buffer) => chunks.push(c));
  s.text = () => Buffer.concat(chunks).toString('utf8');
  if (tty) {
    s.isTTY = true;
    s.columns = columns;
    s.rows = 30;
  }
  return s;
}
