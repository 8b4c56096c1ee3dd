import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { LockoutPolicy, WifiInterface, WifiProfile, WindowsLogon } from '../../../policies/evidence.js';
import { parseDsregcmdStatus } from '../../../agent/collectors/parse-dsregcmd.js';
import { parseNetAccounts } from '../../../agent/collectors/parse-net-accounts.js';
import { parseNetshInterfaces, parseNetshProfile, parseNetshProfileNames } from '../../../agent/collectors/parse-netsh-wlan.js';
import { parseTmutilListBackups } from '../../../agent/collectors/parse-tmutil.js';
import { parseWbadminVersions } from '../../../agent/collectors/parse-wbadmin.js';
import { dwordFlag, parseRegQueryValue } from '../../../agent/collectors/parse-reg-query.js';

const fixture = (path: string) => readFileSync(join(import.meta.dirname, '../../fixtures', path), 'utf8');
/** The first half of an output, as a killed or capped tool would leave it. */
const truncated = (text: string) => text.slice(0, Math.floor(text.length / 2));
const now = new Date('2026-11-22T12:00:00Z');

t.test('netsh wlan show interfaces: connected, radio off, no hardware, truncated', async (t) => {
  const connected = parseNetshInterfaces(fixture('netsh/show-interfaces-connected.txt'));
  t.same(connected, {
    hardware_present: true,
    hosted_network: 'Not available',
    interfaces: [
      {
        name: 'Wi-Fi',
        driver: 'Intel(R) Wi-Fi 6 AX201 160MHz',
        radio: 'on',
        oper_state: 'up',
        mode: 'managed',
        connection: { ssid: 'Hopital-Pro', key_management: 'WPA2-Enterprise', cipher: 'CCMP' },
      },
    ],
  });
  if (connected.hardware_present) for (const i of connected.interfaces) t.ok(Value.Check(WifiInterface, i));

  const off = parseNetshInterfaces(fixture('netsh/show-interfaces-radio-off.txt'));
  t.match(off, { interfaces: [{ name: 'Wi-Fi', radio: 'off', oper_state: 'down', connection: null }, { name: 'Wi-Fi 2', radio: 'on', oper_state: 'down' }] });
  t.same(parseNetshInterfaces(fixture('netsh/show-interfaces-none.txt')), { hardware_present: false });

  t.throws(() => parseNetshInterfaces(truncated(fixture('netsh/show-interfaces-radio-off.txt'))), /announced 2 interface\(s\) but listed 1|truncated/);
  t.throws(() => parseNetshInterfaces('The Wireless AutoConfig Service (wlansvc) is not running.\r\n'), /wlansvc\) is not running/);
  t.throws(() => parseNetshInterfaces('Il y a 1 interface sur le système :\r\n'), /not netsh wlan show interfaces output/, 'a French UI fails loudly');
  t.throws(() => parseNetshInterfaces('\r\nThere is 1 interface on the system:\r\n\r\n    Name : Wi-Fi\r\n'), /no Name or State/);
});

t.test('netsh wlan show profiles and show profile: security, auto-connect, no key ever', async (t) => {
  t.same(parseNetshProfileNames(fixture('netsh/show-profiles.txt')), ['Hopital-Pro', 'Invites-CHU', 'Box-1234']);
  t.throws(() => parseNetshProfileNames('garbage'), /not netsh wlan show profiles output/);

  const enterprise = parseNetshProfile(fixture('netsh/show-profile-hopital-pro.txt'));
  t.same(enterprise, {
    ssid: 'Hopital-Pro',
    key_management: 'WPA2-Enterprise',
    cipher: 'CCMP,GCMP',
    autoconnect: true,
    mode: 'managed',
    eap: { methods: ['Microsoft: Protected EAP (PEAP)'], phase2: null, ca_configured: null, system_ca: null, server_name: null },
  });
  t.ok(Value.Check(WifiProfile, enterprise));

  const box = parseNetshProfile(fixture('netsh/show-profile-box-keyclear.txt'));
  t.same(box, { ssid: 'Box-1234', key_management: 'WPA-Personal', cipher: 'TKIP', autoconnect: false, mode: 'managed', eap: null });
  t.notMatch(JSON.stringify(box), /ExampleSecret/, 'Key Content is dropped');

  t.same(parseNetshProfile(fixture('netsh/show-profile-open.txt')), { ssid: 'Invites-CHU', key_management: null, cipher: null, autoconnect: true, mode: 'managed', eap: null });
  t.throws(() => parseNetshProfile(truncated(fixture('netsh/show-profile-hopital-pro.txt'))), /missing sections/);
});

t.test('dsregcmd /status: hybrid joined with WHfB, workgroup, truncated', async (t) => {
  const hybrid = parseDsregcmdStatus(fixture('dsregcmd/status-hybrid-whfb.txt'));
  t.same(hybrid, { azure_ad_joined: true, domain_joined: true, domain_name: 'CHU-EXEMPLE', ngc_set: true, whfb_policy_enabled: true });
  t.ok(Value.Check(WindowsLogon, hybrid));
  t.same(parseDsregcmdStatus(fixture('dsregcmd/status-workgroup.txt')), { azure_ad_joined: false, domain_joined: false, domain_name: null, ngc_set: false, whfb_policy_enabled: null });
  t.throws(() => parseDsregcmdStatus(fixture('dsregcmd/status-hybrid-whfb.txt').slice(0, 300)), /truncated dsregcmd/);
  t.throws(() => parseDsregcmdStatus('Usage: dsregcmd /status'), /not dsregcmd \/status output/);
});

t.test('net accounts: never locks, hardened, truncated, malformed', async (t) => {
  const never = parseNetAccounts(fixture('net-accounts/never-locks.txt'));
  t.same(never, { threshold: 0, duration_minutes: 30, observation_window_minutes: 30, source: 'net accounts' });
  t.ok(Value.Check(LockoutPolicy, never));
  t.same(parseNetAccounts(fixture('net-accounts/hardened.txt')), { threshold: 3, duration_minutes: 15, observation_window_minutes: 15, source: 'net accounts' });
  t.throws(() => parseNetAccounts(truncated(fixture('net-accounts/hardened.txt'))), /incomplete/);
  t.throws(() => parseNetAccounts(fixture('net-accounts/hardened.txt').replace('Lockout threshold:                                    3', 'Lockout threshold:   three')), /is not a number/);
  t.throws(() => parseNetAccounts("The command completed successfully.\r\n"), /no "Minimum password age \(days\)" line/);
});

t.test('wbadmin get versions: UTC version identifiers, none, errors, truncated', async (t) => {
  t.same(parseWbadminVersions(fixture('wbadmin/get-versions.txt'), now), {
    last_success_at: '2026-11-21T20:00:00.000Z',
    snapshot_count: 2,
    location: 'Network Share labeled \\\\nas01\\wsb',
  });
  t.same(parseWbadminVersions(fixture('wbadmin/no-backup.txt'), now), { last_success_at: null, snapshot_count: 0, location: null });
  t.throws(() => parseWbadminVersions(fixture('wbadmin/access-denied.txt'), now), /wbadmin error: Access is denied/);
  const cut = fixture('wbadmin/get-versions.txt');
  t.throws(() => parseWbadminVersions(cut.slice(0, cut.indexOf('Version identifier: 11/21')), now), /without a valid "Version identifier"/);
  t.throws(() => parseWbadminVersions(cut.slice(0, 60), now), /lists no version/);
  t.throws(() => parseWbadminVersions('hello', now), /not wbadmin output/);
  t.throws(() => parseWbadminVersions(cut.replace(/11\/21\/2026-20:00/, '02/30/2026-20:00'), now), /not a date/);
});

t.test('tmutil listbackups: local names converted with the host zone rule, errors, malformed', async (t) => {
  // A host in Paris in winter: UTC+1.
  const paris = (y: number, mo: number, d: number, h: number, mi: number, s: number) => new Date(Date.UTC(y, mo - 1, d, h - 1, mi, s));
  t.same(parseTmutilListBackups(fixture('tmutil/listbackups-apfs.txt'), now, paris), { last_success_at: '2026-11-22T08:45:02.000Z', snapshot_count: 3 });
  t.same(parseTmutilListBackups(fixture('tmutil/listbackups-hfs.txt'), now, paris), { last_success_at: '2026-11-22T11:02:55.000Z', snapshot_count: 2 });
  t.same(parseTmutilListBackups('', now, paris), { last_success_at: null, snapshot_count: 0 });
  t.throws(() => parseTmutilListBackups(fixture('tmutil/no-machine-directory.txt'), now, paris), /tmutil: No machine directory found/);
  t.throws(() => parseTmutilListBackups('/Volumes/TM/Backups.backupdb/Mac/2026-11-2', now, paris), /unexpected tmutil line/);
  t.throws(() => parseTmutilListBackups('/Volumes/TM/Backups.backupdb/Mac/2026-11-23-120000', now, paris), /in the future/);
});

t.test('reg query: set DWORD, not set, truncated, malformed', async (t) => {
  t.same(parseRegQueryValue(fixture('reg/scforceoption-1.txt'), 'scforceoption'), { type: 'REG_DWORD', value: 1 });
  t.equal(parseRegQueryValue(fixture('reg/not-found.txt'), 'scforceoption'), null);
  t.throws(() => parseRegQueryValue(fixture('reg/scforceoption-1.txt').slice(0, 80), 'scforceoption'), /no value scforceoption \(truncated\?\)/);
  t.throws(() => parseRegQueryValue('garbage', 'x'), /not reg query output/);
  t.throws(() => parseRegQueryValue(fixture('reg/scforceoption-1.txt').replace('0x1', '0xZZ'), 'scforceoption'), /malformed REG_DWORD/);
  t.equal(dwordFlag({ type: 'REG_DWORD', value: 0 }, 'x'), false);
  t.equal(dwordFlag(null, 'x'), null);
  t.throws(() => dwordFlag({ type: 'REG_DWORD', value: 2 }, 'x'), /not a 0\/1 DWORD/);
});
