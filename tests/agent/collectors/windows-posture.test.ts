// Windows posture parsers (firewall, local admins, SMBv1, OS build) on ConvertTo-Json outputs of a
// French-language host (PowerShell 5.1) and an English one (PowerShell 7); malformed and truncated
// outputs are errors the collector turns into `unavailable`, never an empty answer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { Value } from 'typebox/value';
import { parseWindowsAdmins } from '../../../agent/collectors/parse-windows-admins.js';
import { parseWindowsFirewall } from '../../../agent/collectors/parse-windows-firewall.js';
import { parseWindowsOs } from '../../../agent/collectors/parse-windows-os.js';
import { parseWindowsSmb1 } from '../../../agent/collectors/parse-windows-smb1.js';
import { HostFirewall, LocalAdmins, OsProduct, Smb1State } from '../../../policies/evidence.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/powershell/', import.meta.url));
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
/** Each parser refuses empty, non-JSON and cut output with a message naming the command. */
function refusesBroken(t: Test, parse: (s: string) => unknown, sample: string, what: RegExp) {
  t.throws(() => parse(''), what, 'empty');
  t.throws(() => parse(sample.slice(0, Math.floor(sample.length / 2))), what, 'truncated');
  t.throws(() => parse("Get-Thing : Accès refusé.\r\n    + CategoryInfo : PermissionDenied"), what, 'an error message');
}

t.test('firewall: 5.1 enums on a French host; the active profile from the connected network', async (t) => {
  const fw = parseWindowsFirewall(fixture('firewall-fr-ps51.json'));
  t.ok(Value.Check(HostFirewall, fw));
  t.same(fw.profiles, [
    { name: 'Domain', active: true, enabled: true, default_inbound: 'block', logs_blocked: true },
    { name: 'Private', active: false, enabled: true, default_inbound: 'block', logs_blocked: false },
    { name: 'Public', active: false, enabled: false, default_inbound: 'allow', logs_blocked: null },
  ]);
  const en = parseWindowsFirewall(fixture('firewall-en-ps7-names.json'));
  t.same(en.profiles.map((p) => [p.name, p.active, p.default_inbound, p.logs_blocked]), [
    ['Domain', true, 'block', true],
    ['Private', true, null, false],
    ['Public', true, 'block', null],
  ], 'no connection read: every profile judged; NotConfigured is not guessed');
  t.throws(() => parseWindowsFirewall('{"Profiles":[],"Connected":[]}'), /no profile/);
  t.throws(() => parseWindowsFirewall('{"Profiles":{"Name":"Public","Enabled":2,"DefaultInboundAction":4,"LogBlocked":0}}'), /NotConfigured/);
  refusesBroken(t, parseWindowsFirewall, fixture('firewall-fr-ps51.json'), /Get-NetFirewallProfile/);
});

t.test('local admins: French names and classes, LAPS to AD, 5.1 dates', async (t) => {
  const admins = parseWindowsAdmins(fixture('local-admins-fr-ps51.json'));
  t.ok(Value.Check(LocalAdmins, admins));
  t.same(admins.members.map((m) => [m.name, m.kind]), [
    ['PC-URG-042\\Administrateur', 'user'],
    ['CHU-EXEMPLE\\Admins du domaine', 'group'],
    ['CHU-EXEMPLE\\adm-jdupont', 'user'],
  ]);
  t.same(admins.builtin_admin, { name: 'Administrateur', enabled: false, laps_managed: true, last_interactive_logon_at: '2025-10-15T07:12:25.000Z' });
  const en = parseWindowsAdmins(fixture('local-admins-en-ps7-one-member.json'));
  t.same(en.members, [{ name: 'WS-ACCUEIL\\it-support', kind: 'user', last_interactive_logon_at: null }], 'a one-member list unwrapped by ConvertTo-Json');
  t.same(en.builtin_admin, { name: 'Administrator', enabled: true, laps_managed: false, last_interactive_logon_at: '2026-12-01T07:15:02.123Z' });
  t.throws(() => parseWindowsAdmins('{"Group":"Administrateurs","Members":{"Name":"x","ObjectClass":"Inconnu"}}'), /unknown ObjectClass/);
  t.throws(() => parseWindowsAdmins('{"Group":null,"Members":[]}'), /S-1-5-32-544/);
  t.throws(() => parseWindowsAdmins('{"Group":"Administrateurs","Members":[],"Builtin":{"Name":"Administrateur","Enabled":true,"LastLogon":"05/12/2026 08:00"}}'), /unreadable date/, 'a localised date string is refused, not misread');
  refusesBroken(t, parseWindowsAdmins, fixture('local-admins-fr-ps51.json'), /Get-LocalGroupMember/);
});

t.test('SMBv1: server and client; client unknown when the session is not elevated', async (t) => {
  const fr = parseWindowsSmb1(fixture('smb1-fr-ps51.json'));
  t.ok(Value.Check(Smb1State, fr));
  t.match(fr, { server_enabled: false, client_enabled: false });
  t.match(parseWindowsSmb1(fixture('smb1-not-elevated.json')), { server_enabled: true, client_enabled: null });
  t.throws(() => parseWindowsSmb1('{"Server":{"EnableSMB1Protocol":"Oui"},"Client":null}'), /EnableSMB1Protocol/);
  t.throws(() => parseWindowsSmb1('{"Server":null,"Client":{"State":"Activé"}}'), /unexpected State/);
  refusesBroken(t, parseWindowsSmb1, fixture('smb1-fr-ps51.json'), /Get-SmbServerConfiguration/);
});

t.test('OS: version from the build, edition from French captions, feature release for Windows 11', async (t) => {
  const w11 = parseWindowsOs(fixture('os-fr-win11-pro.json'));
  t.ok(Value.Check(OsProduct, w11));
  t.match(w11, { product: 'windows', version: '11', build: '23H2', edition: null });
  t.match(parseWindowsOs(fixture('os-fr-win10-ltsc.json')), { product: 'windows', version: '10', build: '17763.6532', edition: 'LTSC' });
  t.match(parseWindowsOs(fixture('os-fr-server2019.json')), { product: 'windows-server', version: '2019', build: '17763.6414', edition: null });
  t.throws(() => parseWindowsOs('{"Caption":"Microsoft Windows 11 Professionnel","BuildNumber":null}'), /BuildNumber/);
  refusesBroken(t, parseWindowsOs, fixture('os-fr-win11-pro.json'), /Win32_OperatingSystem/);
});
