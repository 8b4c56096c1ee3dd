import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { BackupEvidence, MfaEvidence, WifiEvidence } from '../../../policies/evidence.js';
import { collectEvidence } from '../../../agent/collect.js';
import { collectBackups } from '../../../agent/collectors/backup.js';

const fixtures = join(import.meta.dirname, '../../fixtures');

/**
 * A PATH with fake Windows/macOS tools replaying the captured outputs: each script prints the
 * fixture chosen by its arguments, or fails like the real tool on an unexpected call.
 */
function fakeTools(t: { teardown(fn: () => void): void }, overrides: Record<string, string> = {}): string {
  const bin = mkdtempSync(join(tmpdir(), 'vigie-wintools-'));
  t.teardown(() => rmSync(bin, { recursive: true, force: true }));
  const f = (path: string) => join(fixtures, path);
  const scripts: Record<string, string> = {
    netsh: `case "$*" in
  "wlan show interfaces") exec /bin/cat "${f('netsh/show-interfaces-connected.txt')}" ;;
  "wlan show profiles") exec /bin/cat "${f('netsh/show-profiles.txt')}" ;;
  "wlan show profile name=Hopital-Pro") exec /bin/cat "${f('netsh/show-profile-hopital-pro.txt')}" ;;
  "wlan show profile name=Invites-CHU") exec /bin/cat "${f('netsh/show-profile-open.txt')}" ;;
  "wlan show profile name=Box-1234") exec /bin/cat "${f('netsh/show-profile-box-keyclear.txt')}" ;;
esac
echo "The following command was not found: $*." ; exit 1`,
    dsregcmd: `[ "$1" = /status ] && exec /bin/cat "${f('dsregcmd/status-hybrid-whfb.txt')}"; exit 1`,
    net: `[ "$1" = accounts ] && exec /bin/cat "${f('net-accounts/hardened.txt')}"; exit 1`,
    wbadmin: `[ "$*" = "get versions" ] && exec /bin/cat "${f('wbadmin/get-versions.txt')}"; exit 1`,
    tmutil: `[ "$1" = listbackups ] && exec /bin/cat "${f('tmutil/listbackups-apfs.txt')}"; exit 1`,
    // scforceoption not set (reg prints its error on stderr, exit 1); WHfB policy set with TPM.
    reg: `case "$4" in
  Enabled) exec /bin/cat "${f('reg/passportforwork-enabled-1.txt')}" ;;
  RequireSecurityDevice) exec /bin/cat "${f('reg/passportforwork-requiresecuritydevice-1.txt')}" ;;
esac
/bin/cat "${f('reg/not-found.txt')}" >&2; exit 1`,
    ...overrides,
  };
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

t.test('a Windows cycle replayed: Wi-Fi from netsh, logon from dsregcmd, lockout from net accounts, wbadmin backups', async (t) => {
  const PATH = fakeTools(t);
  const evidence = await collectEvidence({
    platform: 'win32',
    env: { PATH },
    sshd: { binary: join(PATH, 'no-sshd') },
    backupSources: [{ tool: 'wbadmin' }],
    backup: { env: { PATH }, now: () => new Date('2026-11-22T12:00:00Z') },
  });
  t.ok(Value.Check(WifiEvidence, evidence.wifi), JSON.stringify([...Value.Errors(WifiEvidence, evidence.wifi)].slice(0, 2)));
  t.ok(Value.Check(MfaEvidence, evidence.mfa));
  t.ok(Value.Check(BackupEvidence, evidence.backups));
  t.match(evidence.wifi, {
    hardware_present: true,
    interfaces: [{ name: 'Wi-Fi', mode: 'managed', connection: { ssid: 'Hopital-Pro', key_management: 'WPA2-Enterprise', cipher: 'CCMP' } }],
    profiles: [{ ssid: 'Hopital-Pro' }, { ssid: 'Invites-CHU', key_management: null }, { ssid: 'Box-1234', cipher: 'TKIP', autoconnect: false }],
    hotspot: { hotspot_active: null },
  });
  t.notMatch(JSON.stringify(evidence), /ExampleSecret/, 'no Wi-Fi key in the report');
  t.same(evidence.mfa, {
    sshd: { installed: false, settings: null },
    windows_logon: { azure_ad_joined: true, domain_joined: true, domain_name: 'CHU-EXEMPLE', ngc_set: true, whfb_policy_enabled: true },
    windows_logon_policy: { passport_for_work_enabled: true, require_security_device: true, scforceoption: false, logons: null },
    lockout: { threshold: 3, duration_minutes: 15, observation_window_minutes: 15, source: 'net accounts' },
    // Read through PowerShell (tests/agent/collectors/windows-evidence.test.ts replays it); none here.
    local_admins: { unavailable: 'powershell: not installed (executable not found)' },
    password_policy: { unavailable: 'powershell: not installed (executable not found)' },
    remote_access: { unavailable: 'powershell: not installed (executable not found)' },
    // Derived from the logon policy reg answered: Windows Hello for Business with a TPM.
    second_factors: [{ population: 'users', context: 'Windows Hello for Business (PassportForWork policy, TPM required)', factors: ['whfb'] }],
  });
  t.match(evidence.backups, {
    sources: [{ tool: 'wbadmin', target: 'Network Share labeled \\\\nas01\\wsb', last_success_at: '2026-11-21T20:00:00.000Z', snapshot_count: 2 }],
    offline_copies: { unavailable: /not declared: no backup status file/ },
  });
  if ('unavailable' in evidence.backups) throw new Error('backups unavailable');
  t.equal(evidence.backups.sources.length, 1);
  // No fake powershell here: the socket table says why it is missing (tests/agent/collectors/windows-sockets.test.ts replays it).
  t.match(evidence.network, { listeners: { unavailable: /powershell: not installed/ } });
});

t.test('net accounts on a French host, as net.exe writes it (code page 850): the lockout policy is read', async (t) => {
  const PATH = fakeTools(t, { net: `[ "$1" = accounts ] && exec /bin/cat "${join(fixtures, 'net-accounts/fr-cp850.txt')}"; exit 1` });
  const evidence = await collectEvidence({ platform: 'win32', env: { PATH }, sshd: { binary: join(PATH, 'none') }, backupSources: [] });
  t.match(evidence.mfa, { lockout: { threshold: 5, duration_minutes: 30, observation_window_minutes: 30, source: 'net accounts' } });
});

t.test('Windows tools failing or cut short give unavailable, never a pass-looking value', async (t) => {
  const PATH = fakeTools(t, {
    netsh: 'echo "The Wireless AutoConfig Service (wlansvc) is not running."; exit 1',
    dsregcmd: `/usr/bin/head -c 200 "${join(fixtures, 'dsregcmd/status-hybrid-whfb.txt')}"`,
    net: 'echo "System error 5 has occurred." >&2; echo "Access is denied." >&2; exit 2',
    reg: 'echo "ERROR: Access is denied." >&2; exit 1',
    wbadmin: `/usr/bin/head -c 150 "${join(fixtures, 'wbadmin/get-versions.txt')}"`,
  });
  const evidence = await collectEvidence({ platform: 'win32', env: { PATH }, sshd: { binary: join(PATH, 'none') }, backupSources: [{ tool: 'wbadmin' }], backup: { env: { PATH } } });
  t.match(evidence.wifi, { unavailable: /wlansvc\) is not running/ });
  t.match(evidence.mfa, {
    windows_logon: { unavailable: /^truncated dsregcmd \/status output/ },
    lockout: { unavailable: /net accounts failed \(exit 2\): System error 5 has occurred\. \| Access is denied\./ },
    windows_logon_policy: { unavailable: 'reg query scforceoption failed (exit 1): ERROR: Access is denied.' },
  });
  t.match(evidence.backups, { sources: [{ tool: 'wbadmin', target: 'Windows Server Backup (this host)', unavailable: /without a valid "Version identifier" \(truncated output\?\)/ }] });
});

t.test('no wireless interface on a Windows host', async (t) => {
  const PATH = fakeTools(t, { netsh: `exec /bin/cat "${join(fixtures, 'netsh/show-interfaces-none.txt')}"` });
  const evidence = await collectEvidence({ platform: 'win32', env: { PATH }, sshd: { binary: join(PATH, 'none') }, backupSources: [] });
  const noPowerShell = { unavailable: 'powershell: not installed (executable not found)' };
  t.same(evidence.wifi, {
    source: 'netsh wlan show interfaces: no wireless interface on the system',
    hardware_present: false,
    interfaces: [],
    // The routing facts come from PowerShell, absent here: said so, never "not forwarding".
    ip_forwarding: noPowerShell,
    bridges: noPowerShell,
    wired_interfaces: noPowerShell,
    connection_sharing: noPowerShell,
  });
});

t.test('Time Machine source replayed with tmutil', async (t) => {
  const PATH = fakeTools(t);
  const now = () => new Date('2026-11-23T12:00:00Z');
  const backups = await collectBackups([{ tool: 'timemachine' }], { env: { PATH }, now });
  t.match(backups, { sources: [{ tool: 'timemachine', target: 'Time Machine (this host)', snapshot_count: 3, last_success_at: /^2026-11-22T/ }] });
  const failing = fakeTools(t, { tmutil: `/bin/cat "${join(fixtures, 'tmutil/no-machine-directory.txt')}"` });
  t.match(await collectBackups([{ tool: 'timemachine' }], { env: { PATH: failing }, now }), { sources: [{ unavailable: /tmutil: No machine directory found/ }] });
});
