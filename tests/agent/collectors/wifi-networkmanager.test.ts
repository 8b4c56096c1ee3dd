import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { WifiEvidence } from '../../../policies/evidence.js';
import { readBridges, readIpForwarding } from '../../../agent/collectors/forwarding.js';
import { parseNmcliConnections, parseNmcliProperties, parseNmcliWifiList, splitTerse, wifiProfileFrom } from '../../../agent/collectors/parse-nmcli.js';
import { collectWifi } from '../../../agent/collectors/wifi.js';

const fixtures = join(import.meta.dirname, '../../fixtures/nmcli');

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-nm-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** PATH holding the fake nmcli (and, if given, a fake iw printing `iwOutput`). */
function fakeTools(t: { teardown(fn: () => void): void }, iwOutput?: string): string {
  const bin = tempDir(t);
  cpSync(fixtures, bin, { recursive: true });
  chmodSync(join(bin, 'nmcli'), 0o755);
  if (iwOutput !== undefined) {
    writeFileSync(join(bin, 'iw.out'), iwOutput);
    writeFileSync(join(bin, 'iw'), `#!/bin/sh\nexec /bin/cat "${join(bin, 'iw.out')}"\n`);
    chmodSync(join(bin, 'iw'), 0o755);
  }
  return bin;
}

/** sysfs with wlan0 (phy0, rfkill unblocked), eth0, and br0 bridging eth0 + wlan0; procfs with forwarding on. */
function fakeHost(t: { teardown(fn: () => void): void }): { sysRoot: string; procRoot: string } {
  const sysRoot = tempDir(t);
  mkdirSync(join(sysRoot, 'class/ieee80211/phy0/rfkill0'), { recursive: true });
  mkdirSync(join(sysRoot, 'class/rfkill/rfkill0'), { recursive: true });
  writeFileSync(join(sysRoot, 'class/rfkill/rfkill0/type'), 'wlan\n');
  writeFileSync(join(sysRoot, 'class/rfkill/rfkill0/soft'), '0\n');
  writeFileSync(join(sysRoot, 'class/rfkill/rfkill0/hard'), '0\n');
  for (const name of ['lo', 'eth0', 'wlan0']) mkdirSync(join(sysRoot, 'class/net', name), { recursive: true });
  // eth0 is a physical Ethernet link (device + type 1), up; lo is virtual.
  mkdirSync(join(sysRoot, 'class/net/eth0/device'));
  writeFileSync(join(sysRoot, 'class/net/eth0/type'), '1\n');
  writeFileSync(join(sysRoot, 'class/net/eth0/operstate'), 'up\n');
  writeFileSync(join(sysRoot, 'class/net/lo/type'), '772\n');
  mkdirSync(join(sysRoot, 'class/net/wlan0/wireless'));
  symlinkSync('../../../../ieee80211/phy0', join(sysRoot, 'class/net/wlan0/phy80211'));
  writeFileSync(join(sysRoot, 'class/net/wlan0/operstate'), 'up\n');
  mkdirSync(join(sysRoot, 'class/net/br0/bridge'), { recursive: true });
  mkdirSync(join(sysRoot, 'class/net/br0/brif/eth0'), { recursive: true });
  mkdirSync(join(sysRoot, 'class/net/br0/brif/wlan0'), { recursive: true });
  const procRoot = tempDir(t);
  mkdirSync(join(procRoot, 'sys/net/ipv4'), { recursive: true });
  writeFileSync(join(procRoot, 'sys/net/ipv4/ip_forward'), '1\n');
  return { sysRoot, procRoot };
}

t.test('fake nmcli + iw: profiles with security and auto-connect, AP profile, scan, active key management', async (t) => {
  const iw = 'phy#0\n\tInterface wlan0\n\t\tifindex 3\n\t\tssid Hopital-Pro\n\t\ttype managed\n';
  const wifi = await collectWifi({ ...fakeHost(t), platform: 'linux', env: { PATH: fakeTools(t, iw) } });
  t.ok(Value.Check(WifiEvidence, wifi), JSON.stringify([...Value.Errors(WifiEvidence, wifi)].slice(0, 2)));
  if ('unavailable' in wifi) throw new Error(wifi.unavailable);
  t.match(wifi.source, /iw dev: mode and SSID; nmcli: 4 Wi-Fi profile\(s\)/);
  t.same(wifi.interfaces, [
    { name: 'wlan0', driver: null, radio: 'on', oper_state: 'up', mode: 'managed', connection: { ssid: 'Hopital-Pro', key_management: 'wpa-eap', cipher: 'ccmp' } },
  ]);
  t.same(wifi.profiles, [
    {
      ssid: 'Hopital-Pro',
      key_management: 'wpa-eap',
      cipher: 'ccmp',
      autoconnect: true,
      mode: 'managed',
      eap: { methods: ['peap'], phase2: 'mschapv2', ca_configured: true, system_ca: false, server_name: 'radius.chu-exemple.fr' },
    },
    { ssid: 'Invites-CHU', key_management: null, cipher: null, autoconnect: true, mode: 'managed', eap: null },
    { ssid: 'PC-Radiologie-3', key_management: 'wpa-psk', cipher: 'ccmp', autoconnect: false, mode: 'ap', eap: null },
    { ssid: 'Cafe:Wifi', key_management: 'none', cipher: null, autoconnect: true, mode: 'managed', eap: null },
  ]);
  t.same(wifi.visible_networks, [
    { ssid: 'Hopital-Pro', security: 'WPA2 802.1X', in_use: true },
    { ssid: 'Invites-CHU', security: null, in_use: false },
    { ssid: 'Box-1234', security: 'WPA1 WPA2', in_use: false },
    { ssid: null, security: 'WPA2', in_use: false },
    { ssid: 'PC-Radiologie-3', security: 'WPA2', in_use: false },
  ]);
  t.same(wifi.ip_forwarding, { ipv4: true, ipv6: null });
  t.same(wifi.bridges, [{ name: 'br0', members: ['eth0', 'wlan0'] }]);
  t.same(wifi.wired_interfaces, [{ name: 'eth0', oper_state: 'up' }]);
  t.same(wifi.hotspot, { hotspot_active: false, ap_daemon_running: false }, 'the AP profile exists but is not active');
  t.notMatch(JSON.stringify(wifi), /jdupont|anonymous/, 'no 802.1X identity in evidence');
});

t.test('iw missing: NetworkManager alone gives the mode and the association; hostapd is seen', async (t) => {
  const host = fakeHost(t);
  mkdirSync(join(host.procRoot, '321'));
  writeFileSync(join(host.procRoot, '321/comm'), 'hostapd\n');
  const wifi = await collectWifi({ ...host, platform: 'linux', env: { PATH: fakeTools(t) } });
  if ('unavailable' in wifi) throw new Error(wifi.unavailable);
  t.match(wifi.interfaces, [{ name: 'wlan0', mode: 'managed', connection: { ssid: 'Hopital-Pro', key_management: 'wpa-eap' } }]);
  t.match(wifi.source, /iw unusable/);
  t.match(wifi.hotspot, { ap_daemon_running: true });
});

t.test('nmcli missing or broken: profiles and scan unavailable with the reason', async (t) => {
  const wifi = await collectWifi({ ...fakeHost(t), platform: 'linux', env: { PATH: tempDir(t) } });
  t.match(wifi, { profiles: { unavailable: /nmcli: not installed/ }, visible_networks: { unavailable: /nmcli: not installed/ } });
  const bin = tempDir(t);
  writeFileSync(join(bin, 'nmcli'), '#!/bin/sh\necho "Error: NetworkManager is not running." >&2\nexit 8\n');
  chmodSync(join(bin, 'nmcli'), 0o755);
  const down = await collectWifi({ ...fakeHost(t), platform: 'linux', env: { PATH: bin } });
  t.match(down, { profiles: { unavailable: /NetworkManager is not running/ }, hotspot: { hotspot_active: null } });
});

t.test('live: no WLAN here, but forwarding and bridges are still reported', async (t) => {
  const wifi = await collectWifi();
  t.ok(Value.Check(WifiEvidence, wifi));
  t.match(wifi, { hardware_present: false, ip_forwarding: { ipv4: Boolean }, bridges: Array });
  t.notOk('profiles' in wifi, 'no radio: profiles are not asked for');
});

t.test('forwarding and bridges readers on odd inputs', async (t) => {
  const procRoot = tempDir(t);
  t.match(readIpForwarding(procRoot), { unavailable: /ip_forward not found/ });
  mkdirSync(join(procRoot, 'sys/net/ipv4'), { recursive: true });
  mkdirSync(join(procRoot, 'sys/net/ipv6/conf/all'), { recursive: true });
  writeFileSync(join(procRoot, 'sys/net/ipv4/ip_forward'), '0\n');
  writeFileSync(join(procRoot, 'sys/net/ipv6/conf/all/forwarding'), '1\n');
  t.same(readIpForwarding(procRoot), { ipv4: false, ipv6: true });
  writeFileSync(join(procRoot, 'sys/net/ipv4/ip_forward'), 'yes\n');
  t.match(readIpForwarding(procRoot), { unavailable: /unexpected value "yes"/ });
  t.match(readBridges(tempDir(t)), { unavailable: /cannot list network interfaces/ });
});

t.test('nmcli parsers: escapes, malformed and truncated outputs throw', async (t) => {
  t.same(splitTerse('a\\:b:c\\\\d:'), ['a:b', 'c\\d', '']);
  t.throws(() => parseNmcliConnections('Hopital-Pro:1b0f7c2e-6a55-4d1c-9d0a-3f4f1c2b8a10:802-11-wire'), /unexpected nmcli connection line/);
  t.throws(() => parseNmcliConnections('just a line'), /unexpected nmcli connection line/);
  t.throws(() => parseNmcliProperties(':novalue'), /unexpected nmcli property line/);
  t.throws(() => wifiProfileFrom(parseNmcliProperties('connection.id:x\n')), /without 802-11-wireless.ssid/);
  t.throws(() => parseNmcliWifiList('*:a:b:c:d'), /unexpected nmcli wifi line/);
  t.same(parseNmcliWifiList(''), []);
});
