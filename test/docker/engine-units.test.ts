// The engine adapter's pure parts (no engine needed): stream scanning, demultiplexing, Dockerfile base
// detection, the create request, and engine addresses.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BuildStreamScanner, scanBuildStream, stripControls } from '../../src/docker/build-stream.js';
import { normalizeContextPath, packBuildContext } from '../../src/docker/build-context.js';
import { parseEngineHost } from '../../src/docker/connect.js';
import { toCreateOptions, tmpfsOptionString } from '../../src/docker/container-spec.js';
import { StreamDemuxer } from '../../src/docker/demux.js';
import { externalImages } from '../../src/docker/dockerfile-bases.js';
import { labelChanges, splitTag } from '../../src/docker/import.js';
import { CcboxError } from '../../src/errors.js';
import { ExitCodes } from '../../src/exit-codes.js';
import type { BuildProgress, ContainerSpec } from '../../src/engine/engine.js';
import tar from 'tar-stream';

const json = (o: unknown): string => `${JSON.stringify(o)}\r\n`;

describe('build stream scanning', () => {
  it('fails a stream that carried errorDetail even though it ended normally', async () => {
    const stream = new PassThrough();
    const events: BuildProgress[] = [];
    const result = scanBuildStream(stream, 'Building t', (e) => events.push(e));
    stream.write(json({ stream: 'Step 1/2 : FROM base\n' }));
    stream.write(json({ stream: ' ---> abc\n' }));
    stream.write(json({ stream: 'Step 2/2 : RUN false\n' }));
    stream.write(json({ stream: 'some output\n' }));
    stream.write(
      json({
        errorDetail: { code: 1, message: "The command '/bin/sh -c false' returned a non-zero code: 1" },
        error: 'x',
      }),
    );
    stream.end();
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CcboxError);
    const e = error as CcboxError;
    expect(e.exitCode).toBe(ExitCodes.imageBuildFailed);
    expect(e.message).toContain('Step 2/2 : RUN false');
    expect(e.message).toContain('returned a non-zero code: 1');
    expect(e.details).toContain('some output');
    expect(events.filter((ev) => ev.kind === 'step').map((ev) => ev.text)).toEqual([
      'Step 1/2 : FROM base',
      'Step 2/2 : RUN false',
    ]);
  });

  it('strips terminal escapes from build output', () => {
    expect(stripControls('\u001b[91mred\u001b[0m\u0007 \u001b]0;title\u0007ok\r')).toBe('red ok');
  });

  it('handles messages split across chunks and Podman step lines', () => {
    const events: BuildProgress[] = [];
    const scanner = new BuildStreamScanner((e) => events.push(e));
    const text =
      json({ stream: 'STEP 1/2: FROM base\n' }) + json({ stream: 'partial ' }) + json({ stream: 'line\n' });
    for (const ch of text) scanner.push(ch);
    scanner.push(json({ aux: { ID: 'sha256:feed' } }));
    const outcome = scanner.finish('Building t');
    expect(outcome.lastStep).toBe('STEP 1/2: FROM base');
    expect(outcome.tail).toEqual(['STEP 1/2: FROM base', 'partial line']);
    expect(outcome.imageId).toBe('sha256:feed');
  });

  it('treats a registry pull in the stream as a failure and reports it', () => {
    const events: BuildProgress[] = [];
    const scanner = new BuildStreamScanner((e) => events.push(e));
    expect(scanner.push(json({ status: 'Pulling from library/debian', id: 'bookworm' }))).toBe(false);
    expect(() => scanner.finish('Building t')).toThrow(/never pulls/);
    expect(events.some((e) => e.kind === 'pull-blocked')).toBe(true);
  });

  it('fails when the stream breaks', async () => {
    const stream = new PassThrough();
    const result = scanBuildStream(stream, 'Building t', () => undefined);
    stream.write(json({ stream: 'Step 1/1 : FROM base\n' }));
    stream.destroy(new Error('socket hang up'));
    await expect(result).rejects.toThrow(/Step 1\/1 : FROM base.*socket hang up/);
  });
});

describe('demultiplexing', () => {
  const frame = (type: number, text: string): Buffer => {
    const body = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = type;
    header.writeUInt32BE(body.length, 4);
    return Buffer.concat([header, body]);
  };

  it('separates stdout and stderr even when frames are split at every byte', () => {
    const out: string[] = [];
    const err: string[] = [];
    const demux = new StreamDemuxer(
      (c) => out.push(c.toString()),
      (c) => err.push(c.toString()),
    );
    const all = Buffer.concat([frame(1, 'hello '), frame(2, 'oops'), frame(1, 'world')]);
    for (let i = 0; i < all.length; i++) demux.push(all.subarray(i, i + 1));
    expect(out.join('')).toBe('hello world');
    expect(err.join('')).toBe('oops');
    expect(demux.leftover).toBe(0);
  });
});

describe('Dockerfile base images', () => {
  it('finds FROM and COPY --from images, expanding global ARGs and skipping stages and scratch', () => {
    const dockerfile = [
      '# escape=\\',
      'ARG BASE=ccbox/base:bookworm',
      'ARG TOOL',
      'FROM ${BASE} AS build',
      'RUN echo hi \\',
      '  && echo there',
      'FROM scratch',
      'FROM build',
      'COPY --from=build /a /a',
      'COPY --from=0 /b /b',
      'COPY --from=$TOOL /c /c',
      'copy --from=other/image:1 /d /d',
    ].join('\n');
    expect(externalImages(dockerfile, { TOOL: 'tools/img:2' })).toEqual([
      'ccbox/base:bookworm',
      'tools/img:2',
      'other/image:1',
    ]);
    expect(externalImages('ARG B\nFROM ${B:-fallback/img}\n')).toEqual(['fallback/img']);
    expect(externalImages('FROM --platform=linux/amd64 x/y:z\n')).toEqual(['x/y:z']);
  });
});

describe('container create request', () => {
  const spec: ContainerSpec = {
    name: 'ccbox-t-agent',
    image: 'img',
    labels: { 'dev.ccbox.session': 's1', 'dev.ccbox.role': 'agent' },
    user: '1000:1000',
    mounts: [
      { type: 'bind', source: '/w', target: '/workspace', readOnly: false },
      { type: 'tmpfs', target: '/tmp', options: { sizeBytes: 1024, mode: 0o1777, uid: 1000, gid: 1000 } },
    ],
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
    readOnlyRootfs: true,
    resources: { memoryBytes: 1 << 28, pidsLimit: 64 },
  };

  it('maps the hardening, with no network unless one is named', () => {
    const o = toCreateOptions(spec, 'docker');
    expect(o.HostConfig?.NetworkMode).toBe('none');
    expect(o.HostConfig?.Tmpfs).toEqual({
      '/tmp': 'rw,nosuid,nodev,noexec,size=1024,mode=1777,uid=1000,gid=1000',
    });
    expect(o.HostConfig?.Mounts?.[0]).toMatchObject({ Type: 'bind', Source: '/w', ReadOnly: false });
    expect(o.HostConfig?.MemorySwap).toBe(1 << 28);
    expect(o.HostConfig?.Privileged).toBe(false);
    expect(o.HostConfig?.Ulimits).toEqual([]);
    expect(toCreateOptions(spec, 'podman').HostConfig?.Ulimits?.[0]).toEqual({
      Name: 'nofile',
      Soft: 20000,
      Hard: 20000,
    });
  });

  it('refuses a container without a session label, and relative mounts', () => {
    expect(() => toCreateOptions({ ...spec, labels: {} }, 'docker')).toThrow(/dev\.ccbox\.session/);
    expect(() =>
      toCreateOptions(
        { ...spec, mounts: [{ type: 'bind', source: 'rel', target: '/x', readOnly: true }] },
        'docker',
      ),
    ).toThrow(/absolute/);
    expect(tmpfsOptionString({ exec: true })).toBe('rw,nosuid,nodev,exec');
  });

  it('owns a tmpfs by uid=/gid= on Docker and by the container user (U) on Podman, which takes no other', () => {
    const home = { sizeBytes: 1024, mode: 0o700, uid: 1234, gid: 1234 };
    expect(tmpfsOptionString(home, 'docker', '1234:1234')).toBe(
      'rw,nosuid,nodev,noexec,size=1024,mode=700,uid=1234,gid=1234',
    );
    expect(tmpfsOptionString(home, 'podman', '1234:1234')).toBe(
      'rw,nosuid,nodev,noexec,size=1024,mode=700,U',
    );
    expect(() => tmpfsOptionString(home, 'podman', '1000:1000')).toThrow(/container's user/);
    expect(tmpfsOptionString({ mode: 0o1777 }, 'podman')).toBe('rw,nosuid,nodev,noexec,mode=1777');
  });
});

describe('build context', () => {
  it('rejects paths that leave the context', () => {
    expect(() => normalizeContextPath('../etc/passwd')).toThrow(/leaves the context/);
    expect(() => normalizeContextPath('/abs')).toThrow(/leaves the context/);
    expect(normalizeContextPath('a/./b')).toBe('a/b');
  });

  it('packs inline entries with their modes', async () => {
    const pack = packBuildContext([
      { path: 'Dockerfile', content: 'FROM x\n' },
      { path: 'bin/run', content: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    ]);
    const extract = tar.extract();
    const seen: string[] = [];
    extract.on('entry', (header, stream, next) => {
      seen.push(`${header.name} ${(header.mode ?? 0).toString(8)} ${header.size}`);
      stream.resume();
      stream.on('end', next);
    });
    const done = new Promise<void>((resolve, reject) => {
      extract.on('finish', () => resolve());
      extract.on('error', reject);
    });
    pack.pipe(extract);
    await done;
    expect(seen).toEqual(['Dockerfile 644 7', 'bin/run 755 10']);
  });
});

describe('engine addresses and tags', () => {
  it('parses DOCKER_HOST values', () => {
    expect(parseEngineHost('unix:///run/podman/podman.sock')).toEqual({
      socketPath: '/run/podman/podman.sock',
    });
    expect(parseEngineHost('/var/run/docker.sock')).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(parseEngineHost('tcp://127.0.0.1:2375')).toEqual({ host: '127.0.0.1', port: 2375 });
    expect(() => parseEngineHost('ssh://me@host')).toThrow(/only unix sockets/);
    expect(() => parseEngineHost('unix://relative.sock')).toThrow(/absolute/);
  });

  it('splits tags and quotes labels for import', () => {
    expect(splitTag('ccbox/base:bookworm')).toEqual({ repo: 'ccbox/base', tag: 'bookworm' });
    expect(splitTag('localhost:5000/x')).toEqual({ repo: 'localhost:5000/x', tag: 'latest' });
    expect(labelChanges({ 'dev.ccbox.base': '1' })).toEqual(['LABEL "dev.ccbox.base"="1"']);
  });
});
