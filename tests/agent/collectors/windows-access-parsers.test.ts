// The Windows collectors of the last issue-19 gaps, each on its fixtures (tests/fixtures/powershell/,
// provenance in tests/fixtures/README.md): password policy (AUTH-08, `net accounts` translated),
// remote entry points (AUTH-04/05: RDP, WinRM, RD Gateway, OpenSSH), remote-control tools (NET-08),
// log forwarding (LOG-01: WEF, third-party forwarders) and VPN profiles (NET-09). French Windows
// PowerShell 5.1 and English PowerShell 7 hosts; malformed or truncated output is an error (the
// collector says `unavailable` with it), never a guessed value.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { LogForwardTarget, PasswordPolicy, RemoteControlTool, RemoteEntryPoint, VpnProfile } from '../../../policies/evidence.js';
import { parseNetAccounts, readNetAccounts } from '../../../agent/collectors/parse-net-accounts.js';
import { parseWindowsEntryPoints, sshdServiceActive, windowsEntryPoints } from '../../../agent/collectors/parse-windows-entry-points.js';
import { parseWindowsLogForwarding } from '../../../agent/collectors/parse-windows-log-forwarding.js';
import { parseWindowsPasswordPolicy } from '../../../agent/collectors/parse-windows-password-policy.js';
import { parseWindowsRemoteControl } from '../../../agent/collectors/parse-windows-remote-control.js';
import { parseWindowsVpn } from '../../../agent/collectors/parse-windows-vpn.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/powershell', name), 'utf8');
const truncated = (name: string, fraction = 0.6) => {
  const text = fixture(name);
  return text.slice(0, Math.floor(text.length * fraction));
};
const check = <T>(schema: TSchema, value: T): T => {
  if (!Value.Check(schema, value)) throw new Error(JSON.stringify([...Value.Errors(schema, value)].slice(0, 2)));
  return value;
};

t.test('net accounts in French: the same policy as in English, also with the accents lost to the code page', async (t) => {
  const french = JSON.parse(fixture('password-policy-fr-ps51.json')).NetAccounts.join('\r\n') as string;
  t.same(readNetAccounts(french), { language: 'fr', min_age_days: 0, max_age_days: 90, min_length: 8, history: 5, lockout_threshold: 5, lockout_duration_minutes: 30, lockout_window_minutes: 30 });
  t.same(parseNetAccounts(french), { threshold: 5, duration_minutes: 30, observation_window_minutes: 30, source: 'net accounts' }, 'AUTH-07 is read on a French host too');
  const cp850 = JSON.parse(fixture('password-policy-fr-ps51-cp850.json')).NetAccounts.join('\r\n') as string;
  t.match(cp850, /Dur\uFFFDe de vie maximale/, 'the fixture has the replacement characters');
  t.same(readNetAccounts(cp850), readNetAccounts(french));
  // UTF-8 read as Windows-1252: two characters for each accented letter.
  const mojibake = french.replace(/é/g, 'Ã©').replace(/ô/g, 'Ã´').replace(/è/g, 'Ã¨');
  t.same(readNetAccounts(mojibake), readNetAccounts(french));
  const english = JSON.parse(fixture('password-policy-en-ps7-server.json')).NetAccounts.join('\n') as string;
  t.same(readNetAccounts(english), { language: 'en', min_age_days: 1, max_age_days: null, min_length: 15, history: 24, lockout_threshold: 3, lockout_duration_minutes: 15, lockout_window_minutes: 15 });
  t.throws(() => readNetAccounts(french.replace(/\r\nLa commande s'est terminée correctement\.[\s\S]*$/, '')), /incomplete \(no completion line/);
  t.throws(() => readNetAccounts(french.replace('Longueur minimale du mot de passe', 'Mindestlänge des Kennworts')), /no "Minimum password length" line \(nor its French label\)/, 'a German label is not guessed');
  t.throws(() => readNetAccounts(french.replace(/(Seuil de verrouillage :\s+)5/, '$1cinq')), /"Lockout threshold" is not a number: cinq/);
  t.equal(readNetAccounts(french.replace(/(Durée de vie maximale du mot de passe \(jours\) :\s+)90/, '$1Illimitée')).max_age_days, null, 'Illimitée: no forced expiry');
});

t.test('password policy (AUTH-08): French workstation, English server, refused, malformed', async (t) => {
  const fr = check(PasswordPolicy, parseWindowsPasswordPolicy(fixture('password-policy-fr-ps51.json')));
  t.same(fr, {
    source: 'net accounts (local SAM policy, French; domain accounts follow the domain policy); Get-LocalUser',
    min_length: 8,
    max_length: null,
    max_age_days: 90,
    history: 5,
    accounts: [
      { name: 'adm-local', privileged: true, max_age_days: 90 },
      { name: 'soins-urgences', privileged: false, max_age_days: 90 },
      // Its own password never expires (PasswordExpires null): no forced expiry for it.
      { name: 'biomed-ecg', privileged: false, max_age_days: null },
    ],
  });
  t.same(parseWindowsPasswordPolicy(fixture('password-policy-fr-ps51-cp850.json')), fr, 'the same with the accents lost');
  const en = check(PasswordPolicy, parseWindowsPasswordPolicy(fixture('password-policy-en-ps7-server.json')));
  t.match(en, { min_length: 15, max_age_days: null, history: 24, accounts: [{ name: 'svc-pacs-admin', privileged: true, max_age_days: null }] });
  t.throws(() => parseWindowsPasswordPolicy(fixture('password-policy-denied.json')), /net accounts failed \(exit 2\): System error 5 has occurred\. \| Access is denied\./);
  t.throws(() => parseWindowsPasswordPolicy(truncated('password-policy-fr-ps51.json')), /not JSON/);
  t.throws(() => parseWindowsPasswordPolicy(''), /empty output/);
  t.throws(() => parseWindowsPasswordPolicy(fixture('password-policy-fr-ps51.json').replace('"SID":"S-1-5-21-3623811015-3361044348-30300820-1002"', '"SID":7')), /unexpected account/);
  t.throws(() => parseWindowsPasswordPolicy(fixture('password-policy-fr-ps51.json').replace('"PasswordExpires":"\\/Date(1772791200000)\\/"', '"PasswordExpires":"bientôt"')), /unreadable date/);
});

t.test('entry points (AUTH-04/05): a French server with RDP, WinRM and OpenSSH; a workstation with nothing; an RD Gateway', async (t) => {
  const server = parseWindowsEntryPoints(fixture('entry-points-fr-ps51-server.json'));
  t.same(server.rdp, { enabled: true, nla: true, port: 3389 });
  t.same(server.winrm_listeners, [{ address: '*', transport: 'HTTP' }]);
  t.equal(sshdServiceActive(server), true);
  const noCard = windowsEntryPoints(server, false, []).map((e) => check(RemoteEntryPoint, e));
  t.same(noCard, [
    { kind: 'other', name: 'Remote Desktop (RDP) port 3389, NLA required', exposure: 'internal', factors: ['password'] },
    { kind: 'other', name: 'WinRM HTTP listener on *', exposure: 'internal', factors: ['password'] },
  ]);
  t.same(windowsEntryPoints(server, true, [])[0]?.factors, ['smartcard'], 'smart-card logon enforced: RDP takes the card');
  t.same(windowsEntryPoints(server, true, [])[1]?.factors, ['password'], 'WinRM is a network logon: scforceoption does not govern it');
  t.same(windowsEntryPoints(server, null, [])[0]?.factors, [], 'logon policy unknown: RDP factors not established');

  const workstation = parseWindowsEntryPoints(fixture('entry-points-en-ps7-workstation.json'));
  t.equal(workstation.rdp, null, 'the group policy fDenyTSConnections=1 wins over the local 0');
  t.same(windowsEntryPoints(workstation, false, []), [], 'WinRM stopped: its listeners are no way in');
  t.equal(sshdServiceActive(workstation), false);

  const gateway = parseWindowsEntryPoints(fixture('entry-points-en-ps7-rdgateway.json'));
  t.same(windowsEntryPoints(gateway, false, ['10.20.90.0/24']), [
    { kind: 'other', name: 'Remote Desktop (RDP) port 3390, NLA not required', exposure: 'internal', factors: ['password'] },
    { kind: 'other', name: 'WinRM HTTPS listener on IP:10.20.90.12 (Basic allowed)', exposure: 'admin-network', factors: ['password'] },
    { kind: 'rdp-gateway', name: 'RD Gateway (TSGateway): its second factor is set on its NPS server, not visible from this host', exposure: 'internet', factors: [] },
  ]);
  t.equal(windowsEntryPoints(gateway, false, ['10.30.0.0/16'])[1]?.exposure, 'internal', 'outside the admin networks');

  t.throws(() => parseWindowsEntryPoints(fixture('entry-points-fr-ps51-server.json').replace('"DenyTS":0', '"DenyTS":null')), /Remote Desktop state unreadable/);
  t.throws(() => parseWindowsEntryPoints(fixture('entry-points-fr-ps51-server.json').replace('"*+HTTP"', '"*"')), /WinRM listener: unexpected key/);
  t.throws(() => parseWindowsEntryPoints(fixture('entry-points-fr-ps51-server.json').replace('"Nla":1', '"Nla":"oui"')), /UserAuthentication: unexpected value/);
  t.throws(() => parseWindowsEntryPoints(truncated('entry-points-fr-ps51-server.json')), /not JSON/);
});

t.test('remote-control tools (NET-08): installed, running, connected; a portable AnyDesk; none; malformed', async (t) => {
  const fr = parseWindowsRemoteControl(fixture('remote-control-fr-ps51.json')).map((r) => check(RemoteControlTool, r));
  t.same(fr, [
    { product: 'teamviewer', found_by: ['package', 'service', 'process'], name: 'TeamViewer', running: true, connected: true },
    { product: 'vnc', found_by: ['package', 'service'], name: 'TightVNC', running: false, connected: false },
  ]);
  t.same(parseWindowsRemoteControl(fixture('remote-control-en-ps7-portable.json')), [{ product: 'anydesk', found_by: ['process'], name: 'AnyDesk', running: true, connected: false }], 'found by its process alone');
  t.same(parseWindowsRemoteControl(fixture('remote-control-en-ps7-none.json')), []);
  const noConnections = fixture('remote-control-fr-ps51.json').replace('"ConnectedPids":[4,1424,2870,6004]', '"ConnectedPids":null');
  t.equal(parseWindowsRemoteControl(noConnections)[0]?.connected, null, 'connections unreadable: not "not connected"');
  t.throws(() => parseWindowsRemoteControl(truncated('remote-control-fr-ps51.json')), /not JSON/);
  t.throws(() => parseWindowsRemoteControl('{"Programs":[]}'), /services or processes missing/);
  t.throws(() => parseWindowsRemoteControl(fixture('remote-control-fr-ps51.json').replace('"Name":"W32Time"', '"Name":null')), /a service without a name/);
});

t.test('log forwarding (LOG-01): WEF subscription, an NXLog forwarder, none, malformed', async (t) => {
  const wef = parseWindowsLogForwarding(fixture('log-forwarding-fr-ps51-wef.json')).map((l) => check(LogForwardTarget, l));
  t.same(wef, [
    {
      daemon: 'windows-event-forwarding',
      target: 'https://wec.ght-exemple.fr:5986/wsman/SubscriptionManager/WEC',
      protocol: 'https',
      last_shipped_at: null,
      last_shipped_unavailable: 'a WEF source keeps no record of the last event it shipped: the collector knows it (wecutil gr)',
    },
  ]);
  t.match(parseWindowsLogForwarding(fixture('log-forwarding-en-ps7-nxlog.json')), [{ daemon: 'nxlog', target: 'destination set in nxlog.conf (not read by the agent)', protocol: null, last_shipped_at: null, last_shipped_unavailable: /nxlog service Running/ }]);
  t.same(parseWindowsLogForwarding(fixture('log-forwarding-en-ps7-none.json')), [], 'nothing configured: LOG-01 fails on a fact');
  const stopped = fixture('log-forwarding-fr-ps51-wef.json').replace('"WinRm":"Running"', '"WinRm":"Stopped"');
  t.match(parseWindowsLogForwarding(stopped)[0]?.last_shipped_unavailable, /WinRM, which carries Windows Event Forwarding, is Stopped/);
  const credentials = fixture('log-forwarding-fr-ps51-wef.json').replace('https://wec.', 'https://user:secret@wec.');
  t.notMatch(JSON.stringify(parseWindowsLogForwarding(credentials)), /secret/, 'no credentials in the target');
  t.throws(() => parseWindowsLogForwarding(fixture('log-forwarding-fr-ps51-wef.json').replace('Server=https', 'Serveur=https')), /no Server=/);
  t.throws(() => parseWindowsLogForwarding(fixture('log-forwarding-fr-ps51-wef.json').replace('Server=https://', 'Server=ftp://')), /unexpected scheme/);
  t.throws(() => parseWindowsLogForwarding('{"Managers":[]}'), /WinRM state missing/);
  t.throws(() => parseWindowsLogForwarding(truncated('log-forwarding-en-ps7-nxlog.json')), /not JSON/);
});

t.test('VPN profiles (NET-09): Always On device and user tunnels, a password SSTP profile, a user-disabled tunnel', async (t) => {
  const aovpn = parseWindowsVpn(fixture('vpn-fr-ps51-aovpn.json')).map((v) => check(VpnProfile, v));
  t.same(aovpn, [
    { name: 'VPN GHT Tunnel Machine', kind: 'always-on-vpn', always_on: true, user_can_disable: false, factors: ['client-certificate'], endpoint: 'vpn.ght-exemple.fr' },
    // PEAP around EAP-TLS from a smart card (CPS): card + PIN; whether the user can switch it off is not established.
    { name: 'VPN GHT Utilisateur', kind: 'always-on-vpn', always_on: true, user_can_disable: null, factors: ['smartcard'], endpoint: 'vpn.ght-exemple.fr' },
  ]);
  const softCert = parseWindowsVpn(fixture('vpn-fr-ps51-aovpn.json').replace('"EapSmartCard":true', '"EapSmartCard":false'));
  t.same(softCert[1]?.factors, ['client-certificate'], 'a certificate from the store alone is one factor');
  t.same(parseWindowsVpn(fixture('vpn-en-ps7-sstp-password.json')), [
    { name: 'Home office', kind: 'sstp', always_on: null, user_can_disable: null, factors: ['password'], endpoint: '203.0.113.40' },
    // A third-party client's profiles are in its own configuration: named, nothing established (NET-09 unknown, not "no VPN").
    { name: 'Palo Alto GlobalProtect (service PanGPS, Running, Automatic; its profiles are in its own configuration)', kind: 'vendor', always_on: null, user_can_disable: null, factors: [], endpoint: null },
  ]);
  t.throws(() => parseWindowsVpn(fixture('vpn-en-ps7-sstp-password.json').replace('"Name":"PanGPS"', '"Name":"Spooler"')), /VPN clients: unexpected service/);
  t.same(parseWindowsVpn(fixture('vpn-en-ps7-user-disabled.json')), [{ name: 'CHU Always On', kind: 'always-on-vpn', always_on: true, user_can_disable: true, factors: ['password'], endpoint: 'aovpn.chu-exemple.fr' }]);
  t.throws(() => parseWindowsVpn(truncated('vpn-fr-ps51-aovpn.json')), /not JSON/);
  t.throws(() => parseWindowsVpn('{"Connections":[]}'), /output incomplete/);
  t.throws(() => parseWindowsVpn(fixture('vpn-en-ps7-sstp-password.json').replace('"TunnelType":"Sstp"', '"TunnelType":3')), /unexpected profile/);
  t.throws(() => parseWindowsVpn(fixture('vpn-en-ps7-sstp-password.json').replace('["MSChapv2"]', '[2]')), /AuthenticationMethod: not a list of names/);
});
