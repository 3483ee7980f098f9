// Diagnostic target (not run by default): the least a Node CONNECT proxy can do on the same pinned Node
// (http server 'connect' event, dial, write 200, pipe both ways; no policy, no DNS, no log). The gap
// between it and the gate is the gate's own cost; the gap between it and squid is Node's.
import http from 'node:http';
import net from 'node:net';

const [, , port = '3129', host = '', address = '', upstreamPort = '443'] = process.argv;
const server = http.createServer({ noDelay: true });
server.on('connect', (req, client, head) => {
  client.on('error', () => client.destroy());
  const [name, p] = (req.url ?? '').split(':');
  if (name !== host || p !== upstreamPort)
    return void client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
  const up = net.connect({ host: address, port: Number(upstreamPort), noDelay: true });
  up.on('error', () => up.destroy());
  up.once('connect', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) up.write(head);
    client.pipe(up);
    up.pipe(client);
  });
  client.once('close', () => up.destroy());
  up.once('close', () => client.destroy());
});
server.listen(Number(port), '0.0.0.0');
