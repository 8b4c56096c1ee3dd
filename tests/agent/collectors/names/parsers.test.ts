// Name-source parsers on realistic outputs (tests/fixtures/windows-dns, resolved, README says
// where each comes from), including a French-language Windows host, and their bad inputs.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseDnsClientCache } from '../../../../agent/collectors/names/parse-dns-client-cache.js';
import { parseDnsClientEvents, queryResultAddresses } from '../../../../agent/collectors/names/parse-dns-client-events.js';
import { parseDnsmasqLog } from '../../../../agent/collectors/names/parse-dnsmasq-log.js';
import { parseResolvedMonitorLine } from '../../../../agent/collectors/names/parse-resolved-monitor.js';
import { channelEnabled, wevtutilQuery } from '../../../../agent/collectors/names/windows-name-sources.js';
import { findDnsmasqLog } from '../../../../agent/collectors/names/dnsmasq-config.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fixture = (path: string) => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');

t.test('DNS Client 3008 (English host): name asked, answers, calling PID, record ids; failures, other events and PTR skipped', async (t) => {
  const read = parseDnsClientEvents(fixture('windows-dns/dns-client-3008-en.xml'));
  t.equal(read.events, 5);
  t.equal(read.lastRecordId, 48217);
  t.same(read.observations, [
    { name: 'dmp.sante.fr', addresses: ['192.0.2.45'], at: Date.parse('2026-12-07T08:15:02.4518371Z'), pid: 5124, source: 'dns-client-event' },
    { name: 'update.editeur-ris.example', addresses: ['2001:db8:4::10', '198.51.100.10'], at: Date.parse('2026-12-07T08:15:03.2210051Z'), pid: 7320, source: 'dns-client-event' },
  ]);
});

t.test('DNS Client 3008 from a French host (RenderedXml, fr-FR message ignored): IDN name in A-labels', async (t) => {
  const read = parseDnsClientEvents(fixture('windows-dns/dns-client-3008-fr-rendered.xml'));
  t.equal(read.lastRecordId, 902118);
  t.same(
    read.observations.map((o) => [o.name, o.addresses, o.pid]),
    [
      ['portail.xn--hpital-exemple-0ob.fr', ['203.0.113.80'], 11808],
      ['telemaintenance.fournisseur-irm.example', ['198.51.100.23', '198.51.100.24'], 11808],
    ],
  );
});

t.test('Sysmon 22: UtcTime, ProcessId; the user name in the event is not kept', async (t) => {
  const read = parseDnsClientEvents(fixture('windows-dns/sysmon-22.xml'));
  t.same(read.observations, [{ name: 'cdn.editeur-pacs.example', addresses: ['192.0.2.120'], at: Date.parse('2026-12-07T08:20:11.498Z'), pid: 9044, source: 'sysmon-dns' }]);
  t.notMatch(JSON.stringify(read), /dupont/);
});

t.test('event XML: truncated or hostile input yields nothing rather than a guess', async (t) => {
  const text = fixture('windows-dns/dns-client-3008-en.xml');
  const truncated = parseDnsClientEvents(text.slice(0, text.indexOf('</Event>') - 20));
  t.same(truncated.observations, []);
  t.equal(truncated.lastRecordId, null);
  t.same(parseDnsClientEvents('not xml at all').observations, []);
  t.same(queryResultAddresses('type:  5 a.example;::ffff:192.0.2.1;<script>;2001:db8::1;'), ['192.0.2.1', '2001:db8::1']);
});

t.test('Get-DnsClientCache (French host): A/AAAA successes only, grouped by entry, no time, no PID', async (t) => {
  const seeds = parseDnsClientCache(fixture('windows-dns/dns-client-cache-fr.json'));
  t.same(seeds, [
    { name: 'portail.xn--hpital-exemple-0ob.fr', addresses: ['203.0.113.80'], at: null, pid: null, source: 'dns-client-cache' },
    { name: 'telemaintenance.fournisseur-irm.example', addresses: ['198.51.100.23'], at: null, pid: null, source: 'dns-client-cache' },
    { name: 'ads.example', addresses: ['2001:db8::a1'], at: null, pid: null, source: 'dns-client-cache' },
  ]);
  t.same(parseDnsClientCache(''), []);
  t.throws(() => parseDnsClientCache('{"Entry":'));
  t.throws(() => parseDnsClientCache('[1,2]'), /not an object/);
});

t.test('resolvectl monitor --json=short: addresses of successful answers go to the name asked; PTR and failures skipped', async (t) => {
  const lines = fixture('resolved/monitor-json-short.txt').split('\n');
  const got = lines.map((l) => parseResolvedMonitorLine(l, 1000)).filter((o) => o !== null);
  t.same(got, [
    { name: 'dmp.sante.fr', addresses: ['192.0.2.45'], at: 1000, pid: null, source: 'resolved-monitor' },
    { name: 'update.editeur-ris.example', addresses: ['2001:db8:4::10'], at: 1000, pid: null, source: 'resolved-monitor' },
  ]);
  t.equal(parseResolvedMonitorLine('{"state":"success","question":[{"name":"x.example"}],"answer":[{"rr":{"key":{"type":1},"address":[1,2,3]}}]}', 1), null, 'a 3-byte address is refused');
  t.equal(parseResolvedMonitorLine('{broken', 1), null);
});

t.test('dnsmasq log without serials: a CNAME chain belongs to the last name asked; the year is inferred', async (t) => {
  const log = [
    'Jan  1 00:00:05 dnsmasq[812]: query[A] www.portail.example from 127.0.0.1',
    'Jan  1 00:00:05 dnsmasq[812]: forwarded www.portail.example to 192.0.2.53',
    'Jan  1 00:00:05 dnsmasq[812]: reply www.portail.example is <CNAME>',
    'Jan  1 00:00:05 dnsmasq[812]: reply edge.cdn.example is 192.0.2.30',
    'Jan  1 00:00:05 dnsmasq[812]: reply edge.cdn.example is 192.0.2.31',
    'Dec 31 23:59:59 dnsmasq[812]: query[A] missing.example from 127.0.0.1',
    'Dec 31 23:59:59 dnsmasq[812]: reply missing.example is NXDOMAIN',
    'Dec 31 23:59:58 dnsmasq[812]: cached known.example is 2001:db8::5',
    'garbage line',
  ].join('\n');
  const now = new Date(2027, 0, 1, 0, 1, 0);
  const got = parseDnsmasqLog(log, now);
  t.same(got.map((o) => [o.name, o.addresses, new Date(o.at ?? 0).getFullYear()]), [
    ['www.portail.example', ['192.0.2.30', '192.0.2.31'], 2027],
    ['known.example', ['2001:db8::5'], 2026],
  ]);
});

t.test('dnsmasq configuration: the log is found, or the reason says how to enable it', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'vigie-dnsmasq-conf-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.match(findDnsmasqLog(root), { unavailable: /not configured/ });
  mkdirSync(join(root, 'etc/dnsmasq.d'), { recursive: true });
  writeFileSync(join(root, 'etc/dnsmasq.conf'), 'domain-needed\n# log-queries\n');
  t.match(findDnsmasqLog(root), { unavailable: /does not log its queries: add `log-queries`/ });
  writeFileSync(join(root, 'etc/dnsmasq.d/logging.conf'), 'log-queries=extra\n');
  t.match(findDnsmasqLog(root), { unavailable: /to syslog/ });
  writeFileSync(join(root, 'etc/dnsmasq.d/logging.conf'), 'log-queries=extra\nlog-facility=/var/log/dnsmasq.log\n');
  t.same(findDnsmasqLog(root), { path: join(root, 'var/log/dnsmasq.log') });
});

t.test('wevtutil: cursor queries and channel state', async (t) => {
  t.same(wevtutilQuery('Microsoft-Windows-DNS-Client/Operational', 3008, 48217), [
    'qe',
    'Microsoft-Windows-DNS-Client/Operational',
    '/q:*[System[(EventID=3008) and (EventRecordID>48217)]]',
    '/f:xml',
    '/c:5000',
  ]);
  t.match(wevtutilQuery('X', 22, null), ['qe', 'X', '/q:*[System[(EventID=22)]]', '/f:xml', '/c:2000', '/rd:true']);
  t.equal(channelEnabled('name: Microsoft-Windows-DNS-Client/Operational\r\nenabled: false\r\ntype: Operational\r\n'), false);
  t.equal(channelEnabled('enabled: true\n'), true);
  t.equal(channelEnabled('nom : ...'), null);
});
