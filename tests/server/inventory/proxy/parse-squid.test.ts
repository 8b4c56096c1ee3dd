// The Squid native-format parser: realistic lines (CONNECT, GET with user and query, SNI
// appended, IPv6, refusals, Squid's own NONE lines), and a property test holding the scanning
// parser (run once per log line) to the straightforward `trim().split(/\s+/)` parser it replaced,
// on random lines built from the format's fields, odd whitespace included.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t from 'tap';
import { hostPortOf, parseSquidLine, squidTime } from '../../../../server/inventory/proxy/parse-squid.js';
import type { ProxyLine } from '../../../../server/inventory/proxy/proxy-line.js';

/** The parser as first written (fields by split): the reference the fast one must equal. */
function referenceParse(line: string): ProxyLine | null | 'invalid' {
  if (line.length === 0 || line.charCodeAt(0) === 35) return null;
  const f = line.trim().split(/\s+/);
  if (f.length < 10) return 'invalid';
  const at = Math.round(Number(f[0]) * 1000);
  if (!Number.isFinite(at) || at <= 0) return 'invalid';
  const status = f[3]!;
  const method = f[5]!;
  const target = hostPortOf(method, f[6]!);
  if (target === null) return method === 'NONE' || f[6] === 'error:transaction-end-before-headers' ? null : 'invalid';
  let { host } = target;
  let sni = false;
  const sniField = f[10];
  const ipLiteral = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+)$/i;
  if (sniField !== undefined && sniField !== '-' && ipLiteral.test(host) && !ipLiteral.test(sniField)) {
    host = sniField;
    sni = true;
  }
  return { at, client: f[2]!, host, port: target.port, denied: status.includes('DENIED'), sni };
}

t.test('realistic lines', async (t) => {
  t.same(parseSquidLine('1733560800.123    245 10.20.3.14 TCP_TUNNEL/200 5120 CONNECT dmp.sante.fr:443 - HIER_DIRECT/192.0.2.45 -'), {
    at: 1733560800123,
    client: '10.20.3.14',
    host: 'dmp.sante.fr',
    port: 443,
    denied: false,
    sni: false,
  });
  const get = parseSquidLine('1733560801.200     88 10.99.0.1 TCP_MISS/200 1432 GET http://jdupont:pw@portail.example.org:8080/dossier?patient=123456 jdupont HIER_DIRECT/203.0.113.8 text/html');
  t.same(get, { at: 1733560801200, client: '10.99.0.1', host: 'portail.example.org', port: 8080, denied: false, sni: false });
  t.notMatch(JSON.stringify(get), /jdupont|patient|dossier|pw/, 'no user, user-info, path or query');
  t.match(parseSquidLine('1733560802.300 0 10.99.0.1 TCP_DENIED/403 3900 GET https://casino.example/ - HIER_NONE/- text/html'), { denied: true, port: 443 });
  t.match(parseSquidLine('1733560803.000 10 10.20.3.14 TCP_TUNNEL/200 80 CONNECT 185.24.140.17:443 - HIER_DIRECT/185.24.140.17 - s3.hds-hebergeur.fr'), { host: 's3.hds-hebergeur.fr', sni: true });
  t.match(parseSquidLine('1733560803.000 10 fd00::14 TCP_TUNNEL/200 80 CONNECT [2001:db8::5]:8443 - HIER_DIRECT/2001:db8::5 -'), { client: 'fd00::14', host: '2001:db8::5', port: 8443 });
  t.equal(parseSquidLine('1733560804.000 0 10.20.3.14 NONE/400 0 NONE error:invalid-request - HIER_NONE/- -'), null, "Squid's own NONE lines are not requests");
  t.equal(parseSquidLine('# a comment'), null);
  t.equal(parseSquidLine(''), null);
  t.equal(parseSquidLine('   '), 'invalid');
  t.equal(parseSquidLine('1733560804.000 0 10.20.3.14 TCP_MISS/200 0 GET /relative - HIER_NONE/- -'), 'invalid');
  t.equal(parseSquidLine('0 0 10.20.3.14 TCP_MISS/200 0 GET http://a.example/ - HIER_NONE/- -'), 'invalid', 'no time');
});

t.test('the scanning parser equals the split parser on random lines', async (t) => {
  const space = fc.constantFrom(' ', '  ', '\t', '    ', '\u00a0', ' \u3000');
  const token = fc.oneof(
    fc.constantFrom('-', 'TCP_MISS/200', 'TCP_DENIED/403', 'TCP_TUNNEL/200', 'NONE/000', 'CONNECT', 'GET', 'NONE', 'POST', 'HIER_DIRECT/192.0.2.4', 'text/html', 'error:transaction-end-before-headers'),
    fc.constantFrom('dmp.sante.fr:443', '185.24.140.17:443', '[2001:db8::5]:443', 'a.example:0', 'a.example:99999', 'http://a.example/x?q=1', 'HTTPS://B.Example:8443', 'ftp://u@c.example/f', 'ws://[::1]/', 'http://a.example#f', 'mailto:x'),
    fc.constantFrom('1733560800.123', '1.5', '-3', 'NaN', '1e400', '10.20.3.14', 's3.hds-hebergeur.fr', 'fd00::1'),
    fc.stringMatching(/^[!-~]{1,12}$/),
  );
  const line = fc.tuple(fc.boolean(), fc.array(fc.tuple(space, token), { minLength: 0, maxLength: 13 }), fc.boolean()).map(([lead, parts, trail]) => {
    const text = parts.map(([s, tok], i) => (i === 0 && !lead ? tok : `${s}${tok}`)).join('');
    return trail ? `${text} ` : text;
  });
  t.doesNotThrow(() => fc.assert(fc.property(line, (l) => isDeepStrictEqual(parseSquidLine(l), referenceParse(l))), { numRuns: 3000 }));
  // The memo is keyed by scheme and authority: the same authority with other paths answers the same.
  for (const l of ['1.0 1 10.0.0.1 TCP_MISS/200 1 GET http://a.example/one?x=1 - H -', '1.0 1 10.0.0.1 TCP_MISS/200 1 GET http://a.example/two - H -']) t.same(parseSquidLine(l), referenceParse(l));
});

t.test('squidTime reads %ts.%03tu digit by digit exactly as Number() and rounding would', async (t) => {
  const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
  const times = fc.oneof(
    fc.tuple(digits(1, 14), digits(0, 5)).map(([s, ms]) => `${s}.${ms}`),
    fc.tuple(fc.constantFrom('', '+', '-', ' ', '0x'), digits(1, 12), fc.constantFrom('.', ',', 'e', '.1e'), digits(1, 4)).map((p) => p.join('')),
    fc.constantFrom('1733560800.123', '999999999999.999', '1000000000000.000', '.123', '1.', 'NaN', 'Infinity', '1e400', ''),
  );
  const exact = (s: string) => Math.round(Number(s) * 1000);
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(times, (s) => Object.is(squidTime(`x ${s} y`, 2, 2 + s.length), exact(s)) || (Number.isNaN(exact(s)) && Number.isNaN(squidTime(`x ${s} y`, 2, 2 + s.length)))),
      { numRuns: 5000 },
    ),
  );
  t.equal(squidTime('1733560800.123', 0, 14), 1733560800123);
});
