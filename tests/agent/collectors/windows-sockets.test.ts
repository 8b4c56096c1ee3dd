// Windows sockets, processes and names through the real collector code with fake `powershell`
// and `wevtutil` on PATH that replay the fixtures (tests/fixtures/powershell, windows-dns).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { NetworkEvidence } from '../../../policies/evidence.js';
import { FlowSampler } from '../../../agent/collectors/flow-sampler.js';
import { WindowsNameSources } from '../../../agent/collectors/names/windows-name-sources.js';
import { collectNetwork } from '../../../agent/collectors/network.js';
import { parseWindowsSockets } from '../../../agent/collectors/parse-windows-sockets.js';
import { readWindowsSockets } from '../../../agent/collectors/windows-sockets.js';

const fixturePath = (path: string) => new URL(`../../fixtures/${path}`, import.meta.url).pathname;
const fixture = (path: string) => readFileSync(fixturePath(path), 'utf8');

function fakeTools(t: { teardown(fn: () => void): void }, sockets: string) {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-win-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const calls = join(dir, 'calls.log');
  writeFileSync(
    join(dir, 'powershell'),
    `#!/bin/sh\necho "powershell $*" >> ${calls}\ncase "$*" in *Get-DnsClientCache*) cat ${fixturePath('windows-dns/dns-client-cache-fr.json')} ;; *) cat ${fixturePath(sockets)} ;; esac\n`,
  );
  writeFileSync(
    join(dir, 'wevtutil'),
    [
      '#!/bin/sh',
      `echo "wevtutil $*" >> ${calls}`,
      'case "$1 $2" in',
      '  "gl Microsoft-Windows-Sysmon/Operational") echo "Failed to read configuration for log Microsoft-Windows-Sysmon/Operational. The specified channel could not be found." >&2; exit 15007 ;;',
      '  "gl Microsoft-Windows-DNS-Client/Operational") if [ -f "$DNS_OFF" ]; then printf "name: x\\r\\nenabled: false\\r\\n"; else printf "name: x\\r\\nenabled: true\\r\\n"; fi ;;',
      `  "qe Microsoft-Windows-DNS-Client/Operational") case "$3" in *EventRecordID*) cat ${fixturePath('windows-dns/dns-client-3008-fr-rendered.xml')} ;; *) cat ${fixturePath('windows-dns/dns-client-3008-en.xml')} ;; esac ;;`,
      'esac',
    ].join('\n'),
  );
  chmodSync(join(dir, 'powershell'), 0o755);
  chmodSync(join(dir, 'wevtutil'), 0o755);
  return { dir, calls, env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, DNS_OFF: join(dir, 'dns-off') } };
}

t.test('PowerShell JSON (English host): listeners with process names, established non-loopback TCP flows', async (t) => {
  const s = parseWindowsSockets(fixture('powershell/sockets-en.json'));
  t.same(s.listeners, [
    { protocol: 'tcp', address: '0.0.0.0', port: 135, process: 'svchost', pid: 1044 },
    { protocol: 'tcp', address: '::', port: 445, process: 'System', pid: 4 },
    { protocol: 'udp', address: '0.0.0.0', port: 5353, process: 'svchost', pid: 2216 },
  ]);
  t.same(s.flows.map((f) => [f.remote_address, f.remote_port, f.process, f.pid]), [
    ['192.0.2.45', 443, 'msedge', 5124],
    ['192.0.2.120', 443, 'viewer', 9044],
  ]);
});

t.test('PowerShell 5.1 JSON from a French host: enum numbers, a one-item array unwrapped, accented process names', async (t) => {
  const s = parseWindowsSockets(fixture('powershell/sockets-fr-ps51.json'));
  t.same(s.listeners, [
    { protocol: 'tcp', address: '0.0.0.0', port: 3389, process: 'svchost', pid: 1180 },
    { protocol: 'udp', address: '0.0.0.0', port: 123, process: 'svchost', pid: 1536 },
  ]);
  const e = parseWindowsSockets(fixture('powershell/sockets-fr-established.json'));
  t.same(e.flows.map((f) => [f.remote_address, f.process]), [
    ['203.0.113.80', 'LogicielCardio-Démarrage'],
    ['198.51.100.23', 'LogicielCardio-Démarrage'],
  ]);
});

t.test('malformed or truncated PowerShell output is refused with a reason', async (t) => {
  const text = fixture('powershell/sockets-en.json');
  t.throws(() => parseWindowsSockets(text.slice(0, 200)), /not JSON/);
  t.throws(() => parseWindowsSockets('{"udp":[]}'), /no "tcp"/);
  t.throws(() => parseWindowsSockets('{"tcp":[1]}'), /not objects/);
  t.throws(() => parseWindowsSockets('Get-NetTCPConnection : Accès refusé'), /not JSON/);
});

t.test('a Windows report: sockets, DNS Client 3008 names joined by PID, cursor saved, Sysmon unavailable with its reason', async (t) => {
  const tools = fakeTools(t, 'powershell/sockets-fr-established.json');
  const stateDir = mkdtempSync(join(tmpdir(), 'vigie-win-state-'));
  t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
  const names = new WindowsNameSources(stateDir, tools.env);
  await names.refresh(); // first run: newest events, no cursor yet; the cache seed
  await names.refresh(); // next run: from the saved cursor
  t.same(JSON.parse(readFileSync(join(stateDir, 'dns-event-cursors.json'), 'utf8')), { dns_client: 902118, sysmon: null });
  const calls = readFileSync(tools.calls, 'utf8');
  t.match(calls, /wevtutil qe Microsoft-Windows-DNS-Client\/Operational \/q:\*\[System\[\(EventID=3008\)\]\] \/f:xml \/c:2000 \/rd:true/);
  t.match(calls, /EventRecordID>48217/, 'the second read starts after the first read\'s last record');
  t.match(calls, /Get-DnsClientCache/);

  const clock = { now: Date.parse('2026-12-07T09:05:00Z') };
  const sampler = new FlowSampler({ names, readSockets: () => readWindowsSockets(tools.env), now: () => new Date(clock.now) });
  const network = await collectNetwork({ platform: 'win32', flowSampler: sampler, probeTargets: [], env: tools.env });
  t.ok(Value.Check(NetworkEvidence, network), 'validates against the contract');
  if ('unavailable' in network.outbound) throw new Error(network.outbound.unavailable);
  t.match(network.outbound.method, /Get-NetTCPConnection/);
  t.same(
    network.outbound.flows.map((f) => [f.remote_address, f.remote_fqdn, f.remote_fqdn_source, f.remote_fqdn_confidence]),
    [
      ['203.0.113.80', 'portail.xn--hpital-exemple-0ob.fr', 'dns-client-event', 'exact'],
      ['198.51.100.23', 'telemaintenance.fournisseur-irm.example', 'dns-client-event', 'exact'],
    ],
  );
  const resolution = network.name_resolution;
  if (resolution === undefined || 'unavailable' in resolution) throw new Error('expected name sources');
  t.match(resolution.sources, [
    { source: 'dns-client-event', state: 'read' },
    { source: 'sysmon-dns', state: 'unavailable', reason: /Sysmon is not installed/ },
    { source: 'dns-client-cache', state: 'read', answers: 3 },
  ]);
  t.same(resolution.flows_named, { exact: 2, inferred: 0, cache: 0, unnamed: 0 });
});

t.test('the DNS Client channel off: unavailable with the command that enables it', async (t) => {
  const tools = fakeTools(t, 'powershell/sockets-en.json');
  writeFileSync(join(tools.dir, 'dns-off'), '');
  const stateDir = mkdtempSync(join(tmpdir(), 'vigie-win-state-'));
  t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
  const names = new WindowsNameSources(stateDir, tools.env);
  await names.refresh();
  t.match(names.states()[0], { source: 'dns-client-event', state: 'unavailable', reason: /disabled: enable it with wevtutil sl Microsoft-Windows-DNS-Client\/Operational \/e:true/ });
});
