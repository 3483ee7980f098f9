// Images and topology of the egress bench: two internal networks, an upstream server, the proxies under
// test and one client. Everything carries `dev.ccbox.test=1` and a bench session id, and is removed by
// the returned cleanup (also on failure). Nothing here can reach beyond the two networks it creates.
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../../../dist');
const { ensureGateImage } = await import(path.join(dist, 'src/image/gate-image.js'));
const { gateContainerSpec, waitForGate, GATE_PORT } = await import(path.join(dist, 'src/session/gate.js'));
const { contentHash } = await import(path.join(dist, 'src/policy/canonical.js'));
const { GATE_DEFAULTS } = await import(path.join(dist, 'src/policy/compile/compile.js'));

export const UPSTREAM_HOST = 'upstream.bench.test';
export const UPSTREAM_PORT = 443;
const SQUID_PORT = 3128;
const TINYPROXY_PORT = 8888;
const NODEPROXY_PORT = 3129;
const NODE = '/usr/local/bin/node';
const GATE_USER = { uid: 65534, gid: 65534 };

const PROXIES_DOCKERFILE = `ARG BASE_IMAGE
FROM \${BASE_IMAGE}
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends squid tinyproxy \\
 && rm -rf /var/lib/apt/lists/*
`;

/** The Debian proxies' image (squid and tinyproxy from bookworm); tag = hash of its recipe and base. */
async function ensureProxiesImage(engine, baseImage, log) {
  const base = await engine.inspectImage(baseImage);
  if (!base) throw new Error(`the base image ${baseImage} is not on this engine`);
  const tag = `ccbox-test/egress-bench-proxies:${contentHash({ dockerfile: PROXIES_DOCKERFILE, base: base.id })}`;
  if (await engine.imageExists(tag)) return tag;
  log(`building ${tag} (apt-get install squid tinyproxy)`);
  await engine.buildImage({
    tag,
    context: [{ path: 'Dockerfile', content: PROXIES_DOCKERFILE }],
    buildArgs: { BASE_IMAGE: baseImage },
    labels: { 'dev.ccbox.test': '1' },
  });
  return tag;
}

/** The bench policy: the one upstream name, port 443, its /32 (a private address) and the gate's defaults. */
export function benchPolicy(upstreamAddress) {
  return {
    mode: 'enforce',
    allowHosts: [UPSTREAM_HOST],
    denyHosts: [],
    ports: [UPSTREAM_PORT],
    allowCidrs: [`${upstreamAddress}/32`],
    maxTunnels: GATE_DEFAULTS.maxTunnels,
    connectTimeoutMs: GATE_DEFAULTS.connectTimeoutMs,
    idleTimeoutMs: GATE_DEFAULTS.idleTimeoutMs,
    policyVersion: 'bench',
  };
}

/**
 * Builds what is missing and starts the topology. Returns the proxies (with the client-side address of
 * each), the client and upstream handles, and `cleanup()`. `wanted` names the Debian proxies to start;
 * `diagnostic` adds a minimal Node CONNECT proxy (container/minimal-proxy.mjs) to separate Node's cost
 * from the gate's.
 */
export async function startTopology(engine, { baseImage, binaries, wanted, diagnostic = false, log }) {
  const run = `egress-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const labels = {
    'dev.ccbox.session': run,
    'dev.ccbox.test': '1',
    'dev.ccbox.owner': `${os.hostname()}:${process.pid}`,
  };
  const containers = [];
  const networks = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ccbox-egress-bench-'));
  const cleanup = async () => {
    for (const c of containers.reverse())
      await c.remove({ force: true }).catch((e) => log(`cleanup: ${c.name}: ${e.message}`));
    for (const n of networks.reverse())
      await engine.removeNetwork(n).catch((e) => log(`cleanup: ${n}: ${e.message}`));
    rmSync(tmp, { recursive: true, force: true });
    containers.length = 0;
    networks.length = 0;
  };
  try {
    const gateImage = (await ensureGateImage(engine, { baseImage, binaries })).tag;
    const proxiesImage = wanted.length > 0 ? await ensureProxiesImage(engine, baseImage, log) : null;

    // Why both internal: no gateway, so no packet of the bench can leave the two networks.
    const inNet = `${run}-in`;
    const outNet = `${run}-out`;
    for (const name of [inNet, outNet]) {
      await engine.createNetwork({
        name,
        internal: true,
        labels: { ...labels, 'dev.ccbox.role': 'network' },
      });
      networks.push(name);
    }
    // Why dns 127.0.0.1: names the bench does not pin in /etc/hosts fail inside the container instead of
    // being forwarded by the engine's resolver to the host's; every container resolves the upstream from
    // /etc/hosts, the same way for all proxies.
    const common = (role) => ({
      labels: { ...labels, 'dev.ccbox.role': role },
      dns: ['127.0.0.1'],
      init: true,
    });
    const create = async (spec) => {
      const c = await engine.createContainer(spec);
      containers.push(c);
      await c.start();
      return c;
    };
    const scripts = { type: 'bind', source: path.join(here, 'container'), target: '/bench', readOnly: true };

    const upstream = await create({
      ...common('upstream'),
      name: `${run}-upstream`,
      image: gateImage,
      entrypoint: [NODE],
      cmd: ['/bench/upstream.mjs', String(UPSTREAM_PORT)],
      user: '0:0',
      mounts: [scripts],
      network: { name: outNet, aliases: [UPSTREAM_HOST] },
    });
    const upstreamAddress = (await upstream.inspect()).ipAddresses[outNet];
    if (!upstreamAddress) throw new Error('the upstream container has no address');
    const extraHosts = [`${UPSTREAM_HOST}:${upstreamAddress}`];

    // The gate exactly as a session runs it (gateContainerSpec), on the bench's networks and policy.
    const auditDir = path.join(tmp, 'audit');
    mkdirSync(auditDir, { mode: 0o750 });
    chownSync(auditDir, GATE_USER.uid, GATE_USER.gid);
    const policyFile = path.join(tmp, 'egress-policy.json');
    writeFileSync(policyFile, `${JSON.stringify(benchPolicy(upstreamAddress), null, 2)}\n`, { mode: 0o644 });
    const auditConfigFile = path.join(tmp, 'audit-config.json');
    const auditConfig = { context: {}, secrets: { salt: randomBytes(16).toString('hex'), digests: [] } };
    writeFileSync(auditConfigFile, `${JSON.stringify(auditConfig)}\n`, { mode: 0o644 });
    const gateSpec = gateContainerSpec({
      session: run,
      plan: { policyVersion: 'bench' },
      image: gateImage,
      internalNetwork: inNet,
      outboundNetwork: outNet,
      files: { policyFile, auditDir, auditConfigFile },
      user: GATE_USER,
      // The model relay runs as in a session (it costs memory), but nothing in the bench calls it; its
      // upstream names the bench's own server so that even a stray call stays inside the bench networks.
      relay: {
        token: randomBytes(16).toString('hex'),
        upstream: `http://${UPSTREAM_HOST}:${UPSTREAM_PORT}`,
        apiKey: undefined,
      },
    });
    const gate = await create({
      ...gateSpec,
      labels: { ...gateSpec.labels, ...labels },
      dns: ['127.0.0.1'],
      extraHosts,
    });
    // Node names its main thread MainThread (that is the `Name:` in /proc/PID/status).
    const proxies = [{ name: 'gate', handle: gate, port: GATE_PORT, process: 'MainThread' }];

    const debian = {
      squid: { port: SQUID_PORT, cmd: ['squid', '-N', '-d', '1', '-f', '/etc/bench/squid.conf'] },
      tinyproxy: { port: TINYPROXY_PORT, cmd: ['tinyproxy', '-d', '-c', '/etc/bench/tinyproxy.conf'] },
    };
    for (const name of wanted) {
      const { port, cmd } = debian[name];
      const handle = await create({
        ...common(name),
        name: `${run}-${name}`,
        image: proxiesImage,
        cmd,
        user: '0:0',
        extraHosts,
        mounts: [
          { type: 'bind', source: path.join(here, 'container'), target: '/etc/bench', readOnly: true },
        ],
        network: { name: outNet },
        extraNetworks: [{ name: inNet }],
      });
      proxies.push({ name, handle, port, process: name });
    }
    if (diagnostic) {
      const handle = await create({
        ...common('nodeproxy'),
        name: `${run}-nodeproxy`,
        image: gateImage,
        entrypoint: [NODE],
        cmd: ['/bench/minimal-proxy.mjs', String(NODEPROXY_PORT), UPSTREAM_HOST, upstreamAddress],
        user: `${GATE_USER.uid}:${GATE_USER.gid}`,
        mounts: [scripts],
        network: { name: outNet },
        extraNetworks: [{ name: inNet }],
      });
      proxies.push({ name: 'nodeproxy', handle, port: NODEPROXY_PORT, process: 'MainThread' });
    }

    const client = await create({
      ...common('client'),
      name: `${run}-client`,
      image: gateImage,
      entrypoint: [NODE],
      cmd: ['-e', 'setInterval(() => {}, 1 << 30)'],
      user: `${GATE_USER.uid}:${GATE_USER.gid}`,
      extraHosts,
      mounts: [scripts],
      network: { name: inNet },
      // Why on the upstream network too: the `direct` baseline connects to the upstream without a proxy.
      extraNetworks: [{ name: outNet }],
    });

    await waitForGate(gate, { policyFile, auditDir, auditConfigFile }, 20_000);
    for (const p of proxies) p.address = (await p.handle.inspect()).ipAddresses[inNet];
    return { run, gateImage, proxiesImage, upstreamAddress, upstream, client, proxies, auditDir, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
