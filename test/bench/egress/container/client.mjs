// The bench's client (runs inside its own container; the host runs it with `exec` once per measurement
// and reads one JSON line from stdout). Argument: a JSON job
//   { op: 'wait' | 'deny' | 'throughput' | 'latency' | 'concurrent', target, ...op settings }
// target: { host, port } for a direct connection, plus `proxy: { host, port }` to go through a CONNECT
// proxy (then host:port is the CONNECT authority). Timings use performance.now().
import net from 'node:net';

const job = JSON.parse(process.argv[2] ?? '{}');
const HEADER_LIMIT = 16384;

/**
 * A minimal TLS 1.3-shaped ClientHello record naming `name` (SNI), sent first on every connection to
 * the upstream (which skips one leading TLS record). Why: a CONNECT to port 443 must open with a
 * ClientHello whose SNI the gate checks; every target gets the same bytes, so the cost is compared fairly.
 */
function clientHello(name) {
  const host = Buffer.from(name, 'ascii');
  const sni = Buffer.alloc(9 + host.length);
  sni.writeUInt16BE(0x0000, 0);
  sni.writeUInt16BE(host.length + 5, 2);
  sni.writeUInt16BE(host.length + 3, 4);
  sni.writeUInt8(0, 6);
  sni.writeUInt16BE(host.length, 7);
  host.copy(sni, 9);
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    Buffer.alloc(32, 7),
    Buffer.from([0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00]),
    Buffer.from([sni.length >> 8, sni.length & 0xff]),
    sni,
  ]);
  const handshake = Buffer.concat([Buffer.from([0x01, 0, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([
    Buffer.from([0x16, 0x03, 0x01, handshake.length >> 8, handshake.length & 0xff]),
    handshake,
  ]);
}
const HELLO = clientHello('upstream.bench.test');

/** Reads an HTTP response head off `socket`; resolves with the status and the bytes after the head. */
function readHead(socket, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error(`no response head within ${timeoutMs} ms`)), timeoutMs);
    const done = (error, value) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (data) => {
      buf = buf.length === 0 ? data : Buffer.concat([buf, data]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buf.length > HEADER_LIMIT) done(new Error('response head too large'));
        return;
      }
      const head = buf.subarray(0, end).toString('latin1');
      const status = Number(head.split(' ')[1]);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      socket.pause();
      done(null, {
        status,
        head,
        contentLength: length ? Number(length[1]) : null,
        rest: buf.subarray(end + 4),
      });
    };
    const onError = (error) => done(error);
    const onEnd = () => done(new Error('connection closed before the response head'));
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('end', onEnd);
    socket.resume();
  });
}

/** Opens a TCP connection to the target, through a CONNECT tunnel when the target has a proxy. */
function openTunnel(target, timeoutMs) {
  const hop = target.proxy ?? target;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hop.host, port: hop.port, noDelay: true });
    const timer = setTimeout(() => fail(new Error(`connect timeout to ${hop.host}:${hop.port}`)), timeoutMs);
    const fail = (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      if (!target.proxy) return resolve({ socket, rest: Buffer.alloc(0) });
      const authority = `${target.host}:${target.port}`;
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
      readHead(socket, timeoutMs).then(
        (head) => {
          if (head.status !== 200) {
            socket.destroy();
            const error = new Error(`CONNECT answered ${head.status}`);
            error.status = head.status;
            return reject(error);
          }
          resolve({ socket, rest: head.rest });
        },
        (error) => {
          socket.destroy();
          reject(error);
        },
      );
    });
  });
}

/** Sends one GET over an open connection and counts the body; resolves once Content-Length bytes arrived. */
function get(conn, path, timeoutMs) {
  const { socket } = conn;
  socket.write(HELLO);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: upstream.bench.test\r\nConnection: close\r\n\r\n`);
  return readHead(socket, timeoutMs).then(
    (head) =>
      new Promise((resolve, reject) => {
        if (head.status !== 200 || head.contentLength === null) {
          socket.destroy();
          return reject(new Error(`GET ${path} answered ${head.status}`));
        }
        const want = head.contentLength;
        let got = head.rest.length;
        const timer = setTimeout(
          () => finish(new Error(`body incomplete after ${timeoutMs} ms (${got}/${want})`)),
          timeoutMs,
        );
        const finish = (error) => {
          clearTimeout(timer);
          socket.off('data', onData);
          socket.destroy();
          if (error) reject(error);
          else resolve(got);
        };
        const onData = (data) => {
          got += data.length;
          if (got >= want) finish(got === want ? null : new Error(`body too long (${got}/${want})`));
        };
        if (got >= want) return finish(got === want ? null : new Error('body too long'));
        socket.on('data', onData);
        socket.once('error', (error) => finish(error));
        socket.once('end', () => finish(new Error(`connection closed after ${got}/${want} body bytes`)));
        socket.resume();
      }),
  );
}

const quantile = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

async function wait({ target, timeoutMs = 20_000 }) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    try {
      const conn = await openTunnel(
        { host: (target.proxy ?? target).host, port: (target.proxy ?? target).port },
        1000,
      );
      conn.socket.destroy();
      return { ok: true };
    } catch (error) {
      if (performance.now() > end) return { ok: false, error: error.message };
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function deny({ target }) {
  try {
    const conn = await openTunnel({ ...target, host: 'denied.bench.test' }, 10_000);
    conn.socket.destroy();
    return { status: 200 };
  } catch (error) {
    return { status: error.status ?? null, error: error.message };
  }
}

// The 1 GiB transfer reads into one reused buffer (net `onread`): a Node client that allocated a Buffer
// per read would spend the CPU the proxies need (the machine has 2 cores for client, proxy and server).
function throughput({ target, bytes, timeoutMs = 300_000 }) {
  const hop = target.proxy ?? target;
  const authority = `${target.host}:${target.port}`;
  return new Promise((resolve, reject) => {
    let phase = target.proxy ? 'tunnel' : 'head';
    let head = '';
    let want = -1;
    let got = 0;
    let t0 = 0;
    const timer = setTimeout(
      () => fail(new Error(`transfer incomplete after ${timeoutMs} ms (${got}/${want})`)),
      timeoutMs,
    );
    const fail = (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const sendGet = () => {
      t0 = performance.now();
      socket.write(HELLO);
      socket.write(`GET /bytes/${bytes} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`);
    };
    const body = (n) => {
      got += n;
      if (got < want) return;
      clearTimeout(timer);
      const ms = performance.now() - t0;
      socket.destroy();
      if (got !== want) return reject(new Error(`body too long (${got}/${want})`));
      resolve({ bytes: got, ms, mbPerS: got / 1e6 / (ms / 1000) });
    };
    const onread = {
      buffer: Buffer.allocUnsafe(1 << 20),
      callback: (n, buf) => {
        if (phase === 'body') return void body(n);
        head += buf.toString('latin1', 0, n);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1)
          return void (head.length > HEADER_LIMIT && fail(new Error('response head too large')));
        const status = Number(head.split(' ')[1]);
        const extra = head.length - end - 4;
        if (phase === 'tunnel') {
          if (status !== 200) return fail(new Error(`CONNECT answered ${status}`));
          if (extra > 0) return fail(new Error('bytes after the CONNECT answer'));
          phase = 'head';
          head = '';
          return void sendGet();
        }
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head.slice(0, end));
        if (status !== 200 || !length) return fail(new Error(`GET answered ${status}`));
        want = Number(length[1]);
        phase = 'body';
        body(extra);
      },
    };
    const socket = net.connect({ host: hop.host, port: hop.port, noDelay: true, onread });
    socket.once('error', fail);
    socket.once(
      'end',
      () => phase === 'body' && got < want && fail(new Error(`connection closed after ${got}/${want} bytes`)),
    );
    socket.once('connect', () => {
      if (target.proxy) socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
      else sendGet();
    });
  });
}

async function latency({ target, cycles, timeoutMs = 10_000 }) {
  const samples = [];
  const errors = [];
  for (let i = 0; i < cycles; i++) {
    const t0 = performance.now();
    try {
      const conn = await openTunnel(target, timeoutMs);
      await get(conn, '/ping', timeoutMs);
      samples.push(performance.now() - t0);
    } catch (error) {
      errors.push(error.message);
    }
  }
  samples.sort((a, b) => a - b);
  return {
    cycles,
    ok: samples.length,
    errors: errors.length,
    firstErrors: [...new Set(errors)].slice(0, 3),
    p50: quantile(samples, 0.5) ?? null,
    p90: quantile(samples, 0.9) ?? null,
    p99: quantile(samples, 0.99) ?? null,
    max: samples.at(-1) ?? null,
  };
}

// All tunnels are opened at once and held until every one has answered (or failed), so `tunnels` of
// them are open at the same moment; then each sends one GET.
async function concurrent({ target, tunnels, timeoutMs = 30_000 }) {
  const t0 = performance.now();
  const opened = await Promise.allSettled(
    Array.from({ length: tunnels }, () => openTunnel(target, timeoutMs)),
  );
  const openMs = performance.now() - t0;
  const held = opened.filter((r) => r.status === 'fulfilled').length;
  const done = await Promise.allSettled(
    opened.map((r) =>
      r.status === 'fulfilled' ? get(r.value, '/ping', timeoutMs) : Promise.reject(r.reason),
    ),
  );
  const ms = performance.now() - t0;
  const errors = done
    .filter((r) => r.status === 'rejected')
    .map((r) => String(r.reason?.message ?? r.reason));
  return { tunnels, held, errors: errors.length, firstErrors: [...new Set(errors)].slice(0, 3), openMs, ms };
}

const ops = { wait, deny, throughput, latency, concurrent };
const op = ops[job.op];
if (!op) {
  process.stderr.write(`client: unknown op ${job.op}\n`);
  process.exit(2);
}
op(job).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error) => {
    process.stdout.write(`${JSON.stringify({ error: error.message })}\n`);
    process.exit(1);
  },
);
