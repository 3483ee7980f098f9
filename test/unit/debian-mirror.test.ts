import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  chooseDebianMirror,
  DEFAULT_DEBIAN_MIRROR,
  findDebianMirror,
  parseDeb822Sources,
  parseOneLineSources,
} from '../../src/image/debian-mirror.js';
import { CcboxError } from '../../src/errors.js';

// As found on a Debian bookworm cloud VM: snapshot comments, a security stanza, and other vendors.
const DEBIAN_SOURCES = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.debian.org/archive/debian-security/20250520T000000Z
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

const NODESOURCE = `Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main
`;

describe('apt source parsing', () => {
  it('reads deb822 stanzas, including continuation lines and Enabled: no', () => {
    const sources = parseDeb822Sources(
      `${DEBIAN_SOURCES}\nTypes: deb deb-src\nURIs: http://a.example/debian\n  http://b.example/debian\nSuites: trixie\nEnabled: no\n`,
      'x.sources',
    );
    expect(sources).toHaveLength(3);
    expect(sources[0]).toMatchObject({
      uris: ['http://deb.debian.org/debian'],
      suites: ['bookworm', 'bookworm-updates'],
    });
    expect(sources[2]).toMatchObject({
      types: ['deb', 'deb-src'],
      uris: ['http://a.example/debian', 'http://b.example/debian'],
      enabled: false,
    });
  });

  it('reads one-line entries with bracketed options and trailing comments', () => {
    const sources = parseOneLineSources(
      [
        '# deb http://commented.example/debian bookworm main',
        'deb [ arch=amd64 signed-by=/usr/share/keyrings/x.gpg ] http://mirror.example/debian/ bookworm main contrib # note',
        'deb-src http://src.example/debian bookworm main',
        'garbage line',
      ].join('\n'),
      'sources.list',
    );
    expect(sources).toEqual([
      expect.objectContaining({
        types: ['deb'],
        uris: ['http://mirror.example/debian/'],
        suites: ['bookworm'],
      }),
      expect.objectContaining({ types: ['deb-src'] }),
    ]);
    expect(sources[0]?.components).toEqual(['main', 'contrib']);
  });
});

describe('choosing the mirror', () => {
  it('takes the Debian archive, never the security archive or another vendor', () => {
    const choice = chooseDebianMirror({
      suite: 'bookworm',
      files: [
        { path: '/etc/apt/sources.list.d/nodesource.sources', content: NODESOURCE },
        { path: '/etc/apt/sources.list.d/debian.sources', content: DEBIAN_SOURCES },
      ],
    });
    expect(choice).toEqual({
      mirror: 'http://deb.debian.org/debian',
      origin: 'host',
      file: '/etc/apt/sources.list.d/debian.sources',
    });
  });

  it('prefers a source serving the suite itself, then any Debian suite, then the default', () => {
    const files = [
      { path: 'a.list', content: 'deb http://security.example/debian-security bookworm-security main\n' },
      { path: 'b.list', content: 'deb http://old.example/debian bullseye main\n' },
      { path: 'c.list', content: 'deb http://local.example/debian/ bookworm main\n' },
    ];
    expect(chooseDebianMirror({ suite: 'bookworm', files }).mirror).toBe('http://local.example/debian');
    expect(chooseDebianMirror({ suite: 'trixie', files }).mirror).toBe('http://old.example/debian');
    const ubuntu = [{ path: 'u.list', content: 'deb http://archive.ubuntu.com/ubuntu jammy main\n' }];
    expect(chooseDebianMirror({ suite: 'bookworm', files: ubuntu })).toEqual({
      mirror: DEFAULT_DEBIAN_MIRROR,
      origin: 'default',
    });
  });

  it('uses the override, and rejects one debootstrap cannot use', () => {
    expect(
      chooseDebianMirror({ suite: 'bookworm', files: [], override: 'https://m.example/debian/' }),
    ).toEqual({
      mirror: 'https://m.example/debian',
      origin: 'override',
    });
    expect(() => chooseDebianMirror({ suite: 'bookworm', files: [], override: 'cdrom:[Debian]/' })).toThrow(
      CcboxError,
    );
  });
});

describe('reading a root directory', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('reads sources.list and sources.list.d, ignoring disabled file names', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'ccbox-mirror-'));
    dirs.push(root);
    await mkdir(path.join(root, 'etc/apt/sources.list.d'), { recursive: true });
    await writeFile(path.join(root, 'etc/apt/sources.list'), '# empty\n');
    await writeFile(
      path.join(root, 'etc/apt/sources.list.d/aaa.list.disabled-by-farm'),
      'deb http://disabled.example/debian bookworm main\n',
    );
    await writeFile(path.join(root, 'etc/apt/sources.list.d/debian.sources'), DEBIAN_SOURCES);
    expect(await findDebianMirror({ suite: 'bookworm', rootDir: root })).toMatchObject({
      mirror: 'http://deb.debian.org/debian',
      origin: 'host',
    });
    const empty = await mkdtemp(path.join(tmpdir(), 'ccbox-mirror-'));
    dirs.push(empty);
    expect(await findDebianMirror({ suite: 'bookworm', rootDir: empty })).toEqual({
      mirror: DEFAULT_DEBIAN_MIRROR,
      origin: 'default',
    });
  });
});
