// The Windows agent runs its PowerShell collectors and feeds the parsers: replayed here with an
// injected runner answering each script with a fixture (tests/fixtures/powershell/, provenance in
// tests/fixtures/README.md), French-language Windows PowerShell 5.1 and English PowerShell 7 hosts,
// plus malformed and truncated outputs, which must give `unavailable`, never a guessed value.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { MfaEvidence, NetworkEvidence, SystemEvidence, type Evidence } from '../../../policies/evidence.js';
import { collectEvidence } from '../../../agent/collect.js';
import { parseWindowsBitLocker } from '../../../agent/collectors/parse-windows-bitlocker.js';
import { parseWindowsProxy, winHttpProxy } from '../../../agent/collectors/parse-windows-proxy.js';
import { parseWindowsTime } from '../../../agent/collectors/parse-windows-time.js';
import { parseWindowsUpdates } from '../../../agent/collectors/parse-windows-updates.js';
import { NOT_READ_ON_WINDOWS, WINDOWS_SCRIPTS, type PowerShellRunner } from '../../../agent/collectors/windows-evidence.js';

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

t.test('collectEvidence on win32 runs every Windows script and fills network, mfa and system', async (t) => {
  const run = runner(FRENCH_HOST);
  const evidence: Evidence = await collectEvidence({ platform: 'win32', env: { PATH: '/nonexistent' }, sshd: { binary: '/nonexistent/sshd' }, backupSources: [], powershell: run });
  t.same([...run.calls].sort(), Object.keys(WINDOWS_SCRIPTS).sort(), 'each script once');
  const { network, mfa, system } = evidence;
  if ('unavailable' in network || 'unavailable' in mfa || system === undefined || 'unavailable' in system) throw new Error('a whole section is unavailable');
  t.ok(Value.Check(SystemEvidence, system), JSON.stringify([...Value.Errors(SystemEvidence, system)].slice(0, 2)));
  t.ok(Value.Check(NetworkEvidence, network), JSON.stringify([...Value.Errors(NetworkEvidence, network)].slice(0, 2)));
  t.ok(Value.Check(MfaEvidence, mfa), JSON.stringify([...Value.Errors(MfaEvidence, mfa)].slice(0, 2)));
  t.match(network.firewall, { profiles: Array });
  t.match(network.smb1, { server_enabled: false });
  t.match(network.proxy_policy, { system_proxy: 'proxy.ght-exemple.local:3128', enforced_by_policy: true });
  t.same(network.remote_control, { unavailable: NOT_READ_ON_WINDOWS.remote_control });
  t.match(mfa.local_admins, { builtin_admin: { name: 'Administrateur' } });
  t.match(system.os, { product: 'windows', version: '11' });
  t.match(system.time_sync, { daemon: 'w32time', synchronized: true });
  t.match(system.updates, { manager: 'Windows Update' });
  t.equal(Array.isArray(system.disk_encryption) ? system.disk_encryption.length : -1, 2);
  t.same(system.log_forwarding, { unavailable: NOT_READ_ON_WINDOWS.log_forwarding });
  t.same(system.vpn_profiles, { unavailable: NOT_READ_ON_WINDOWS.vpn_profiles });
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
