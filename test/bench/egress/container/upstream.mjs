// The bench's upstream server (runs inside its own container on the bench's upstream network). One
// request per TCP connection, no TLS: a CONNECT tunnel carries raw TCP, so plain HTTP measures the proxy.
// A connection may open with one TLS record (the client's stand-in ClientHello, which the gate checks
// for its server name); it is skipped.
//   GET /ping      -> 200 "pong"
//   GET /bytes/N   -> 200 with N bytes from one preallocated buffer (backpressure respected)
import net from 'node:net';

const port = Number(process.argv[2] ?? 443);
const chunk = Buffer.alloc(1 << 20, 0x61);
const MAX_HEADER = 8192;

function respond(socket, line) {
  const [method, target] = line.split(' ');
  if (method !== 'GET')
    return void socket.end(
      'HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
  if (target === '/ping')
    return void socket.end('HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\npong');
  const m = /^\/bytes\/(\d+)$/.exec(target ?? '');
  if (m === null)
    return void socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  let remaining = Number(m[1]);
  socket.write(
    `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${remaining}\r\nConnection: close\r\n\r\n`,
  );
  const pump = () => {
    while (remaining > 0) {
      const piece = remaining >= chunk.length ? chunk : chunk.subarray(0, remaining);
      remaining -= piece.length;
      if (!socket.write(piece)) return void socket.once('drain', pump);
    }
    socket.end();
  };
  pump();
}

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  let head = '';
  let skipped = false;
  const onData = (data) => {
    head += data.toString('latin1');
    if (!skipped) {
      if (head.length < 5) return;
      if (head.charCodeAt(0) === 0x16) {
        const length = 5 + ((head.charCodeAt(3) << 8) | head.charCodeAt(4));
        if (head.length < length) return;
        head = head.slice(length);
      }
      skipped = true;
    }
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) {
      if (head.length > MAX_HEADER) socket.destroy();
      return;
    }
    socket.off('data', onData);
    respond(socket, head.slice(0, head.indexOf('\r\n')));
  };
  socket.on('data', onData);
});
server.listen({ port, host: '0.0.0.0', backlog: 4096 }, () =>
  process.stderr.write(`upstream: listening on ${port}\n`),
);
process.once('SIGTERM', () => process.exit(0));
