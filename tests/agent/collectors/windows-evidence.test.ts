// The Windows agent runs its PowerShell collectors and feeds the parsers: replayed here with an
// injected runner answering each script with a fixture (tests/fixtures/powershell/, provenance in
// tests/fixtures/README.md), French-language Windows PowerShell 5.1 and English PowerShell 7 hosts,
// plus malformed and truncated outputs, which must give `unavailable`, never a guessed value.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { MfaEvidence, NetworkEvidence, SystemEvidence, type Evidence } from '../../../policies/evidence.js';
import { collectEvidence } from '../../../agent/collect.js';
import { parseWindowsBitLocker } from '../../../agent/collectors/parse-windows-bitlocker.js';
import { parseWindowsProxy, winHttpProxy } from '../../../agent/collectors/parse-windows-proxy.js';
import { parseWindowsRouting } from '../../../agent/collectors/parse-windows-routing.js';
import { parseWindowsTime } from '../../../agent/collectors/parse-windows-time.js';
import { parseWindowsUpdates } from '../../../agent/collectors/parse-windows-updates.js';
import { WINDOWS_SCRIPTS, type PowerShellRunner } from '../../../agent/collectors/windows-evidence.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/powershell', name), 'utf8');
/** The first `fraction` of a fixture, as a cut pipe or a full disk would leave it. */
const truncated = (name: string, fraction = 0.6) => {
  const text = fixture(name);
  return text.slice(0, Math.floor(text.length * fraction));
};

type Script = keyof typeof WINDOWS_SCRIPTS;

/** A runner answering each known script with a text (or an error), and failing on any other. */
function runner(answers: Partial<Record<Script, string | Error>>): PowerShellRunner & { calls: Script[] } {
  const calls: Script[] = [];
  const byScript = new Map(Object.entries(WINDOWS_SCRIPTS).map(([name, script]) => [script, name as Script]));
  const run = async (script: string) => {
    const name = byScript.get(script);
    if (!name) throw new Error(`unexpected script ${script.slice(0, 60)}`);
    calls.push(name);
    const answer = answers[name];
    if (answer === undefined) throw new Error(`powershell: ${name} not answered (exit 1)`);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return Object.assign(run, { calls });
}

const FRENCH_HOST: Record<Script, string> = {
  firewall: fixture('firewall-fr-ps51.json'),
  smb1: fixture('smb1-fr-ps51.json'),
  proxy: fixture('proxy-fr-ps51-gpo.json'),
  admins: fixture('local-admins-fr-ps51.json'),
  os: fixture('os-fr-win11-pro.json'),
  time: fixture('time-fr-ps51-domain.json'),
  updates: fixture('updates-fr-ps51-wsus.json'),
  bitlocker: fixture('bitlocker-fr-ps51-laptop.json'),
  routing: fixture('routing-fr-ps51-laptop.json'),
  passwordPolicy: fixture('password-policy-fr-ps51.json'),
  entryPoints: fixture('entry-points-fr-ps51-server.json'),
  remoteControl: fixture('remote-control-fr-ps51.json'),
  logForwarding: fixture('log-forwarding-fr-ps51-wef.json'),
  vpn: fixture('vpn-fr-ps51-aovpn.json'),
};

t.test('w32tm: a French domain member, an English NTP client with an offset, a CMOS clock, a stopped service', async (t) => {
  t.same(parseWindowsTime(fixture('time-fr-ps51-domain.json')), {
    daemon: 'w32time',
    configured_sources: ['domain hierarchy (NT5DS)', 'time.windows.com'],
    synchronized: true,
    current_source: 'dc1.ght-exemple.local',
    offset_seconds: 0.0001342,
  }, 'French labels ("Source :", "Décalage de phase :") and decimal commas are read');
  const en = parseWindowsTime(fixture('time-en-ps7-ntp-offset.json'));
  t.same([en.synchronized, en.current_source, en.offset_seconds, en.configured_sources], [true, 'ntp1.chu-exemple.local', 1.420331, ['ntp1.chu-exemple.local', 'ntp2.chu-exemple.local']], 'flags stripped, offset absolute');
  const cmos = parseWindowsTime(fixture('time-fr-ps51-cmos.json'));
  t.same([cmos.synchronized, cmos.current_source, cmos.offset_seconds], [false, null, null], 'leap 3 on the local CMOS clock is not synchronised');
  t.same(parseWindowsTime(fixture('time-stopped.json')), { daemon: 'w32time', configured_sources: ['ntp1.chu-exemple.local'], synchronized: false, current_source: null, offset_seconds: null });
  t.throws(() => parseWindowsTime(truncated('time-fr-ps51-domain.json')), /not JSON/, 'truncated JSON');
  const german = JSON.stringify({ Service: 'Running', Type: 'NTP', NtpServer: 'x', Status: ['Sprungindikator: 0(keine Warnung)', 'Stratum: 2', 'Quelle: ntp1'] });
  t.throws(() => parseWindowsTime(german), /unrecognised output/, 'a language the parser does not read is not guessed');
  t.throws(() => parseWindowsTime(JSON.stringify({ Service: null })), /not installed/);
});

t.test('BitLocker: fixed volumes only, XTS-AES with AD backup required, suspended, clear, truncated', async (t) => {
  const laptop = parseWindowsBitLocker(fixture('bitlocker-fr-ps51-laptop.json'));
  t.same(laptop.map((v) => v.mount), ['C:', 'D:'], 'the removable E: and the letterless recovery partition are left out');
  t.same(laptop[0], { mount: 'C:', scheme: 'bitlocker', protection_on: true, cipher: 'XtsAes128', key_bits: 128, recovery_escrowed: true, suspended_since: null });
  t.equal(laptop[1]?.cipher, 'XtsAes256');
  const suspended = parseWindowsBitLocker(fixture('bitlocker-en-ps7-suspended.json'));
  t.same(suspended, [{ mount: 'C:', scheme: 'bitlocker', protection_on: false, cipher: 'XtsAes128', key_bits: 128, recovery_escrowed: null, suspended_since: null }], 'PowerShell 7 names; escrow not provable without the AD-backup policy');
  t.same(parseWindowsBitLocker(fixture('bitlocker-fr-ps51-clear.json')), [{ mount: 'C:', scheme: 'none', protection_on: false, cipher: null, key_bits: null, recovery_escrowed: null, suspended_since: null }]);
  t.throws(() => parseWindowsBitLocker(truncated('bitlocker-fr-ps51-laptop.json')), /not JSON/);
  t.throws(() => parseWindowsBitLocker(fixture('bitlocker-fr-ps51-laptop.json').replace('"EncryptionMethod":6', '"EncryptionMethod":42')), /unexpected EncryptionMethod/);
  t.throws(() => parseWindowsBitLocker('{"Fixed":["C:"]}'), /no volume list/);
});

t.test('Windows Update: security by category GUID whatever the title language; failed search; dates', async (t) => {
  const fr = parseWindowsUpdates(fixture('updates-fr-ps51-wsus.json'));
  t.equal(fr.manager, 'Windows Update');
  t.same(fr.pending.map((u) => [u.package, u.security, u.published_at]), [
    ['KB5066793', true, '2026-10-14T17:00:00.000Z'],
    ['KB5067910', true, '2026-11-11T18:00:00.000Z'],
    ['KB2267602', false, '2026-12-06T22:10:00.000Z'],
  ], 'the Defender definition update is not a security update of the OS');
  t.match(fr.pending[0]?.version, /^2026-10 Mise à jour cumulative/);
  t.equal(fr.last_install_at, '2026-10-02T00:00:00.000Z');
  const none = parseWindowsUpdates(fixture('updates-en-ps7-none.json'));
  t.same([none.pending, none.complete, none.last_install_at], [[], true, '2026-11-19T23:00:00.000Z']);
  t.throws(() => parseWindowsUpdates(fixture('updates-search-failed.json')), /did not succeed/);
  t.throws(() => parseWindowsUpdates(truncated('updates-fr-ps51-wsus.json')), /not JSON/);
  t.throws(() => parseWindowsUpdates(fixture('updates-fr-ps51-wsus.json').replace('"Published":"\\/Date(1791997200000)\\/"', '"Published":"14/10/2026"')), /unreadable date/);
});

t.test('proxy and DoH: WinHTTP bytes, per-machine GPO, browser policies; direct access; malformed bytes', async (t) => {
  const gpo = parseWindowsProxy(fixture('proxy-fr-ps51-gpo.json'));
  t.same(gpo.proxy_policy.system_proxy, 'proxy.ght-exemple.local:3128');
  t.equal(gpo.proxy_policy.enforced_by_policy, true);
  t.same(gpo.browser_doh, [
    { browser: 'edge', policy_mode: 'off' },
    { browser: 'chrome', policy_mode: 'off' },
    { browser: 'firefox', policy_mode: 'off' },
  ]);
  const direct = parseWindowsProxy(fixture('proxy-en-ps7-direct.json'));
  t.same(direct.proxy_policy.system_proxy, null);
  t.equal(direct.proxy_policy.enforced_by_policy, false);
  t.same(direct.browser_doh, [{ browser: 'edge', policy_mode: null }, { browser: 'firefox', policy_mode: null }], 'installed browsers without a policy');
  t.equal(winHttpProxy([null]), null, 'value absent: WinHTTP default, direct');
  t.throws(() => winHttpProxy([40, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 30, 0, 0, 0, 112, 114]), /beyond the value/, 'a proxy length past the end');
  t.throws(() => winHttpProxy([40, 0, 0]), /truncated/);
  t.throws(() => parseWindowsProxy(truncated('proxy-fr-ps51-gpo.json', 0.98)), /not JSON/);
  t.throws(() => parseWindowsProxy('{"WinHttp":[],"PerUser":0}'), /missing \(truncated output\?\)/);
  const withCredentials = fixture('proxy-en-ps7-direct.json').replace('"ProxyMode":null,"ProxyServer":null', '"ProxyMode":"fixed_servers","ProxyServer":"http://svc:Secret1@proxy.ght-exemple.local:3128"');
  t.notMatch(JSON.stringify(parseWindowsProxy(withCredentials)), /Secret1/, 'credentials in a proxy URL are never kept');
});

t.test('routing and DNS client: forwarding per interface, wired links, ICS, bridges, resolvers', async (t) => {
  t.same(parseWindowsRouting(fixture('routing-fr-ps51-laptop.json')), {
    ip_forwarding: { ipv4: false, ipv6: false },
    bridges: [],
    wired_interfaces: [{ name: 'Ethernet', oper_state: 'up' }],
    connection_sharing: { enabled: false },
    resolvers: ['10.1.0.10', '10.1.0.11', 'fec0:0:0:ffff::1'],
    wlan_adapters: 1,
  }, 'Wi-Fi and Bluetooth are not wired links; a disconnected Wi-Fi adapter is still hardware');
  const server = parseWindowsRouting(fixture('routing-en-ps7-bridge.json'));
  t.same(server.ip_forwarding, { ipv4: true, ipv6: false });
  t.same(server.bridges, [{ name: 'Network Bridge', members: [] }]);
  t.same(server.wired_interfaces, [{ name: 'Ethernet0', oper_state: 'up' }]);
  t.equal(server.connection_sharing, null, 'ICS unreadable is not "off"');
  t.same(server.resolvers, ['10.2.0.10']);
  t.equal(server.wlan_adapters, 0);
  t.throws(() => parseWindowsRouting(truncated('routing-fr-ps51-laptop.json')), /not JSON/);
  t.throws(() => parseWindowsRouting('{"Router":0,"Dns":[]}'), /truncated output/);
  t.throws(() => parseWindowsRouting(fixture('routing-fr-ps51-laptop.json').replace('"AddressFamily":2,"Forwarding":0', '"AddressFamily":2,"Forwarding":7')), /unexpected Forwarding/);
});

/** A PATH whose only tool is a netsh answering `wlan show interfaces` with a connected laptop. */
function fakeNetsh(t: { teardown(fn: () => void): void }): string {
  const bin = mkdtempSync(join(tmpdir(), 'vigie-netsh-'));
  t.teardown(() => rmSync(bin, { recursive: true, force: true }));
  const interfaces = join(import.meta.dirname, '../../fixtures/netsh/show-interfaces-connected.txt');
  writeFileSync(join(bin, 'netsh'), `#!/bin/sh\n[ "$*" = "wlan show interfaces" ] && exec /bin/cat "${interfaces}"\necho "The following command was not found: $*."; exit 1\n`);
  chmodSync(join(bin, 'netsh'), 0o755);
  return bin;
}

t.test('collectEvidence on win32 runs every Windows script and fills network, mfa and system', async (t) => {
  const run = runner(FRENCH_HOST);
  const evidence: Evidence = await collectEvidence({ platform: 'win32', env: { PATH: fakeNetsh(t) }, sshd: { binary: '/nonexistent/sshd' }, backupSources: [], powershell: run });
  t.same([...run.calls].sort(), Object.keys(WINDOWS_SCRIPTS).sort(), 'each script once');
  const { network, mfa, system } = evidence;
  if ('unavailable' in network || 'unavailable' in mfa || system === undefined || 'unavailable' in system) throw new Error('a whole section is unavailable');
  t.ok(Value.Check(SystemEvidence, system), JSON.stringify([...Value.Errors(SystemEvidence, system)].slice(0, 2)));
  t.ok(Value.Check(NetworkEvidence, network), JSON.stringify([...Value.Errors(NetworkEvidence, network)].slice(0, 2)));
  t.ok(Value.Check(MfaEvidence, mfa), JSON.stringify([...Value.Errors(MfaEvidence, mfa)].slice(0, 2)));
  t.match(network.firewall, { profiles: Array });
  t.match(network.smb1, { server_enabled: false });
  t.match(network.proxy_policy, { system_proxy: 'proxy.ght-exemple.local:3128', enforced_by_policy: true });
  t.same(Array.isArray(network.remote_control) ? network.remote_control.map((r) => r.product) : network.remote_control, ['teamviewer', 'vnc']);
  t.match(mfa.password_policy, { min_length: 8, max_age_days: 90, history: 5 });
  // The French logon policy here is unreadable (no reg on PATH): RDP's factors are not known, WinRM takes a password.
  t.match(mfa.remote_access, [{ name: /^Remote Desktop \(RDP\) port 3389, NLA required/, factors: [] }, { name: 'WinRM HTTP listener on *', exposure: 'internal', factors: ['password'] }]);
  t.match(mfa.second_factors, { unavailable: /Windows logon policy unreadable/ });
  t.match(mfa.local_admins, { builtin_admin: { name: 'Administrateur' } });
  t.match(system.os, { product: 'windows', version: '11' });
  t.match(system.time_sync, { daemon: 'w32time', synchronized: true });
  t.match(system.updates, { manager: 'Windows Update' });
  t.equal(Array.isArray(system.disk_encryption) ? system.disk_encryption.length : -1, 2);
  t.match(system.log_forwarding, [{ daemon: 'windows-event-forwarding', target: 'https://wec.ght-exemple.fr:5986/wsman/SubscriptionManager/WEC', last_shipped_at: null }]);
  t.match(system.vpn_profiles, [{ name: 'VPN GHT Tunnel Machine', always_on: true, user_can_disable: false }, { name: 'VPN GHT Utilisateur', always_on: true }]);
  t.same(network.proxy_dns, { env_proxy: { http: null, https: null, no_proxy: null }, resolvers: ['10.1.0.10', '10.1.0.11', 'fec0:0:0:ffff::1'], dns_over_tls: false });
  const wifi = evidence.wifi;
  if ('unavailable' in wifi) throw new Error('wifi unavailable');
  t.same([wifi.ip_forwarding, wifi.connection_sharing, wifi.wired_interfaces], [{ ipv4: false, ipv6: false }, { enabled: false }, [{ name: 'Ethernet', oper_state: 'up' }]]);
  t.equal(wifi.hardware_present, true, 'netsh still describes the radios');
});

t.test('netsh unusable: no 802.11 adapter is proof of no Wi-Fi; a Wi-Fi adapter keeps the section unavailable', async (t) => {
  const server = await collectEvidence({ platform: 'win32', env: { PATH: '/nonexistent' }, sshd: { binary: '/nonexistent/sshd' }, backupSources: [], powershell: runner({ ...FRENCH_HOST, routing: fixture('routing-en-ps7-bridge.json') }) });
  if ('unavailable' in server.wifi) throw new Error('wifi unavailable on a host without any 802.11 adapter');
  t.match(server.wifi, { hardware_present: false, interfaces: [], source: /^Get-NetAdapter: no 802\.11 adapter \(netsh: .*not installed/ });
  t.same(server.wifi.ip_forwarding, { ipv4: true, ipv6: false }, 'the routing facts are kept');
  t.match(server.wifi.connection_sharing, { unavailable: /HNetCfg/ });
  const laptop = await collectEvidence({ platform: 'win32', env: { PATH: '/nonexistent' }, sshd: { binary: '/nonexistent/sshd' }, backupSources: [], powershell: runner(FRENCH_HOST) });
  t.match(laptop.wifi, { unavailable: /netsh/ }, 'never "no Wi-Fi" when Get-NetAdapter lists one');
  const unreadable = await collectEvidence({ platform: 'win32', env: { PATH: fakeNetsh(t) }, sshd: { binary: '/nonexistent/sshd' }, backupSources: [], powershell: runner({ ...FRENCH_HOST, routing: new Error('powershell: Get-NetIPInterface : Accès refusé. (exit 1)') }) });
  if ('unavailable' in unreadable.wifi) throw new Error('wifi unavailable although netsh answered');
  t.match(unreadable.wifi.ip_forwarding, { unavailable: /Accès refusé/ });
  t.match(unreadable.wifi.wired_interfaces, { unavailable: /Accès refusé/ });
});

t.test('a refused, failed or truncated script makes its own field unavailable, with the reason', async (t) => {
  const run = runner({
    ...FRENCH_HOST,
    bitlocker: new Error('powershell: Get-BitLockerVolume : Accès refusé. (exit 1)'),
    updates: truncated('updates-fr-ps51-wsus.json'),
    time: fixture('time-fr-ps51-domain.json').replace(/"Status":\[.*\]/, '"Status":["Die folgende Fehlermeldung ist aufgetreten"]'),
    proxy: '',
  });
  const evidence = await collectEvidence({ platform: 'win32', env: { PATH: '/nonexistent' }, sshd: { binary: '/nonexistent/sshd' }, backupSources: [], powershell: run });
  const system = evidence.system;
  if (system === undefined || 'unavailable' in system || 'unavailable' in evidence.network) throw new Error('section unavailable');
  t.match(system.disk_encryption, { unavailable: /Accès refusé/ });
  t.match(system.updates, { unavailable: /not JSON \(truncated/ });
  t.match(system.time_sync, { unavailable: /unrecognised output/ });
  t.match(evidence.network.proxy_policy, { unavailable: /empty output/ });
  t.match(evidence.network.browser_doh, { unavailable: /empty output/ });
  t.match(system.os, { product: 'windows' }, 'the others are still read');
  t.match(evidence.network.firewall, { profiles: Array });
});
