// A corpus of bypass attempts against the allowlist matcher: each must NOT match.
import t from 'tap';
import { compileAllowlist, type EndpointQuery } from '../../policies/allowlist.js';
import { entry, NOW, QUERY } from './allowlist-fixtures.js';

const matcher = compileAllowlist(
  [
    entry('fqdn', { fqdn: 'example.fr' }),
    entry('cidr', { cidr: '10.20.0.0/24' }),
    entry('url', { url_prefix: 'https://portal.vendor.fr/api' }),
    entry('wild', { fqdn: '*.cdn.vendor.fr' }),
    entry('loop', { fqdn: '127.0.0.1' }, { ports: [8080] }),
    entry('expired', { fqdn: 'old.vendor.fr' }, { expires_at: '2025-05-31T23:59:59Z' }),
  ],
  NOW,
);
const q = (x: Partial<EndpointQuery>): EndpointQuery => ({ ...QUERY, ...x });

const attempts: [string, Partial<EndpointQuery>, RegExp][] = [
  ['suffix confusion', { host: 'evil-example.fr' }, /no allowlist entry/],
  ['suffix confusion with dot', { host: 'example.fr.evil.com' }, /no allowlist entry/],
  ['subdomain of an exact entry', { host: 'www.example.fr' }, /no allowlist entry/],
  ['parent of an exact entry', { host: 'fr' }, /no allowlist entry/],
  ['prefix confusion', { host: 'example.frx' }, /no allowlist entry/],
  ['Cyrillic a homograph', { host: 'exаmple.fr' }, /homograph/],
  ['punycode of the homograph', { host: 'xn--exmple-4nf.fr' }, /homograph/],
  ['Greek omicron homograph', { host: 'vendοr.fr' }, /homograph/],
  ['userinfo in a host', { host: 'example.fr@evil.com' }, /not a bare host/],
  ['backslash userinfo', { host: 'evil.com\\@example.fr' }, /not a bare host/],
  ['port in a host', { host: 'example.fr:443' }, /not a bare host/],
  ['path in a host', { host: 'example.fr/x' }, /not a bare host/],
  ['query in a host', { host: 'example.fr?x' }, /not a bare host/],
  ['percent-encoded dot', { host: 'example%2efr.evil.com' }, /no allowlist entry/],
  ['encoded slash in host', { host: 'example.fr%2f.evil.com' }, /not a valid host/],
  ['NUL byte', { host: 'example.fr\u0000.evil.com' }, /not a valid host|invalid host label/],
  ['empty label', { host: 'example..fr' }, /invalid host label/],
  ['wildcard zone itself', { host: 'cdn.vendor.fr' }, /no allowlist entry/],
  ['wildcard suffix confusion', { host: 'evilcdn.vendor.fr' }, /no allowlist entry/],
  ['wildcard literal', { host: '*.cdn.vendor.fr' }, /invalid host label/],
  ['URL userinfo confusion', { url: 'https://portal.vendor.fr@evil.com/api' }, /userinfo/],
  ['URL userinfo on the right host', { url: 'https://user:pw@portal.vendor.fr/api' }, /userinfo/],
  ['URL path boundary', { url: 'https://portal.vendor.fr/apix' }, /no allowlist entry/],
  ['URL dot segments', { url: 'https://portal.vendor.fr/api/../admin' }, /no allowlist entry/],
  ['URL encoded dot segments', { url: 'https://portal.vendor.fr/api/%2e%2e/admin' }, /no allowlist entry/],
  ['URL encoded slash', { url: 'https://portal.vendor.fr/api/..%2Fadmin' }, /encoded slash/],
  ['URL double encoding', { url: 'https://portal.vendor.fr/api/%252e%252e/admin' }, /encoded slash, backslash or percent/],
  ['URL backslash dot segments', { url: 'https://portal.vendor.fr/api\\..\\admin' }, /no allowlist entry/],
  ['URL other scheme', { url: 'http://portal.vendor.fr/api', port: 80 }, /no allowlist entry/],
  ['URL other port', { url: 'https://portal.vendor.fr:8443/api', port: 8443 }, /no allowlist entry/],
  ['URL port differs from the flow', { url: 'https://portal.vendor.fr/api', port: 8443 }, /differs from the connection port/],
  ['URL ftp scheme', { url: 'ftp://portal.vendor.fr/api' }, /unsupported scheme/],
  ['URL javascript scheme', { url: 'javascript:alert(1)' }, /unsupported scheme/],
  ['CIDR neighbour', { ip: '10.20.1.1' }, /no allowlist entry/],
  ['CIDR via decimal IPv4 outside', { ip: '169083137' }, /no allowlist entry/],
  ['IPv6 not in an IPv4 CIDR', { ip: '::10.20.0.5' }, /no allowlist entry/],
  ['NAT64 form is not IPv4-mapped', { ip: '64:ff9b::a14:5' }, /no allowlist entry/],
  ['IP written as a host name', { host: '10.20.1.1' }, /no allowlist entry/],
  ['octal IPv4 outside the CIDR', { ip: '012.20.1.5' }, /no allowlist entry/],
  ['loopback entry on another port', { ip: '0x7f.0.0.1', port: 443 }, /does not allow port 443/],
  ['expired entry', { host: 'old.vendor.fr' }, /expired at 2025-05-31T23:59:59Z/],
  ['wrong protocol', { host: 'example.fr', proto: 'udp' }, /is for tcp/],
  ['wrong direction', { host: 'example.fr', direction: 'ingress' }, /is for egress/],
  ['wrong role', { host: 'example.fr', role: 'workstation' }, /does not cover role workstation/],
  ['no target at all', {}, /exactly one of host, ip or url/],
  ['two targets', { host: 'example.fr', ip: '10.20.0.1' }, /exactly one of host, ip or url/],
  ['invalid port', { host: 'example.fr', port: 70000 }, /invalid port/],
  ['oversized host', { host: 'a'.repeat(2000) }, /oversized/],
];

t.test('bypass attempts never match', async (t) => {
  for (const [name, query, reason] of attempts) {
    const result = matcher.matchEndpoint(q(query));
    t.equal(result.entry, null, `${name}: no match`);
    t.match(result.reason, reason, `${name}: reason`);
  }
});

t.test('the legitimate spellings do match', async (t) => {
  const ok: [string, Partial<EndpointQuery>, string][] = [
    ['case and trailing dot', { host: 'EXAMPLE.Fr.' }, 'fqdn'],
    ['percent-encoded host', { host: 'ex%61mple.fr' }, 'fqdn'],
    ['wildcard child', { host: 'a.b.cdn.vendor.fr' }, 'wild'],
    ['CIDR', { ip: '10.20.0.255' }, 'cidr'],
    ['IPv4-mapped IPv6', { ip: '::ffff:10.20.0.7' }, 'cidr'],
    ['bracketed mapped IPv6', { ip: '[::ffff:a14:7]' }, 'cidr'],
    ['decimal IPv4', { ip: '169082887' }, 'cidr'],
    ['hex IPv4', { ip: '0x0a.0x14.0.7' }, 'cidr'],
    ['octal IPv4 is the address it denotes (012 = 10)', { ip: '012.20.0.5' }, 'cidr'],
    ['IP given as host', { host: '10.20.0.7' }, 'cidr'],
    ['loopback written in hex', { ip: '0x7f.0.0.1', port: 8080 }, 'loop'],
    ['URL prefix itself', { url: 'https://portal.vendor.fr/api' }, 'url'],
    ['URL below the prefix, query and fragment ignored', { url: 'HTTPS://Portal.Vendor.FR:443/api/v1/x?y=1#z' }, 'url'],
    ['URL with encoded unreserved chars', { url: 'https://portal.vendor.fr/%61pi/v1' }, 'url'],
    ['URL dot segments staying inside', { url: 'https://portal.vendor.fr/api/v1/../v2' }, 'url'],
    ['URL of an exact FQDN entry', { url: 'https://example.fr/anything' }, 'fqdn'],
  ];
  for (const [name, query, id] of ok) {
    const result = matcher.matchEndpoint(q(query));
    t.equal(result.entry?.id, id, name);
  }
});

t.test('entries that cannot be canonicalised are rejected at compile time, with the reason', async (t) => {
  const m = compileAllowlist(
    [
      entry('homograph', { fqdn: 'exаmple.fr' }),
      entry('cidr-octal', { cidr: '010.0.0.0/24' }),
      entry('url-userinfo', { url_prefix: 'https://a@b.fr/' }),
      entry('wild-ip', { fqdn: '*.10.0.0.1' }),
      entry('good', { fqdn: 'ok.fr' }),
    ],
    NOW,
  );
  t.same(m.rejected.map((r) => r.id), ['homograph', 'cidr-octal', 'url-userinfo', 'wild-ip']);
  t.equal(m.size, 1);
  t.equal(m.matchEndpoint(q({ host: 'exаmple.fr' })).entry, null);
});
