import { Resolver } from 'node:dns/promises';

/**
 * A shell command that sends one DNS A query for `name` straight to `server` (no resolv.conf, no libc
 * resolver) and prints `DNS-ANSWER <n>` when it gets addresses back, else `DNS-NO-ANSWER ...`. Why perl:
 * it is in every Debian base image, and the probe must not depend on dig or nslookup being installed.
 */
export function dnsProbe(server: string, name: string): string {
  const script = [
    'use IO::Socket::INET;',
    'my ($srv, $name) = @ARGV;',
    'my $q = pack("nnnnnn", 0x4242, 0x0100, 1, 0, 0, 0);',
    '$q .= pack("C", length($_)) . $_ for split /\\./, $name;',
    '$q .= pack("Cnn", 0, 1, 1);',
    'my $s = IO::Socket::INET->new(Proto => "udp", PeerAddr => $srv, PeerPort => 53) or die "socket: $!";',
    '$s->send($q); my $r; my $rin = ""; vec($rin, fileno($s), 1) = 1;',
    'if (select($rin, undef, undef, 4) && $s->recv($r, 4096)) {',
    '  my (undef, $fl, undef, $an) = unpack("nnnn", $r);',
    '  if (($fl & 15) == 0 && $an > 0) { print "DNS-ANSWER $an\\n" } else { printf "DNS-NO-ANSWER rcode=%d\\n", $fl & 15 }',
    '} else { print "DNS-NO-ANSWER no reply\\n" }',
  ].join(' ');
  return `perl -e '${script}' ${server} ${name}`;
}

/**
 * An outside name the host's own resolver answers, so a container resolver that forwards upstream would
 * answer it too: the probe then shows a leak instead of passing because nothing resolves at all.
 */
export async function resolvableOutsideName(
  candidates: readonly string[] = ['registry.npmjs.org', 'example.com', 'debian.org'],
): Promise<string> {
  const resolver = new Resolver({ timeout: 3000, tries: 1 });
  for (const name of candidates) {
    const ok = await resolver.resolve4(name).then(
      (a) => a.length > 0,
      () => false,
    );
    if (ok) return name;
  }
  throw new Error(
    `the host resolves none of ${candidates.join(', ')}: the DNS leak check needs one outside name that resolves`,
  );
}

/**
 * A shell expression for the first address of the container's own subnet: where Podman's aardvark-dns
 * listens (the network's gateway address), read from /proc/net/route without iproute2.
 */
export const SUBNET_GATEWAY =
  '$(perl -e \'open R, "/proc/net/route"; <R>; while (<R>) { @f = split; next if $f[1] eq "00000000"; @b = unpack("C4", pack("V", hex $f[1])); $b[3] += 1; print join(".", @b); last }\')';
