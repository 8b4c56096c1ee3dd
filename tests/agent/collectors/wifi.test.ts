import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { WifiEvidence } from '../../../policies/evidence.js';
import { parseIwDev } from '../../../agent/collectors/parse-iw.js';
import { collectWifi } from '../../../agent/collectors/wifi.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-wifi-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fake sysfs with one Intel radio (phy0, wlan0) and its rfkill switch, plus eth0 and lo. */
function fakeSysfs(t: { teardown(fn: () => void): void }, rfkill: { soft: string; hard: string }, operstate = 'dormant'): string {
  const root = tempDir(t);
  mkdirSync(join(root, 'class/ieee80211/phy0/rfkill0'), { recursive: true });
  mkdirSync(join(root, 'class/rfkill/rfkill0'), { recursive: true });
  writeFileSync(join(root, 'class/rfkill/rfkill0/type'), 'wlan\n');
  writeFileSync(join(root, 'class/rfkill/rfkill0/soft'), `${rfkill.soft}\n`);
  writeFileSync(join(root, 'class/rfkill/rfkill0/hard'), `${rfkill.hard}\n`);
  mkdirSync(join(root, 'class/rfkill/rfkill1'), { recursive: true });
  writeFileSync(join(root, 'class/rfkill/rfkill1/type'), 'bluetooth\n');
  writeFileSync(join(root, 'class/rfkill/rfkill1/soft'), '1\n');
  for (const name of ['lo', 'eth0', 'wlan0']) mkdirSync(join(root, 'class/net', name, 'device'), { recursive: true });
  mkdirSync(join(root, 'class/net/wlan0/wireless'));
  symlinkSync('../../../../ieee80211/phy0', join(root, 'class/net/wlan0/phy80211'));
  symlinkSync('../../../../bus/pci/drivers/iwlwifi', join(root, 'class/net/wlan0/device/driver'));
  writeFileSync(join(root, 'class/net/wlan0/operstate'), `${operstate}\n`);
  writeFileSync(join(root, 'class/net/eth0/operstate'), 'up\n');
  return root;
}

/** A directory holding a fake `iw` that prints `output`, to put alone on PATH. */
function fakeIw(t: { teardown(fn: () => void): void }, output: string): string {
  const bin = tempDir(t);
  writeFileSync(join(bin, 'iw.out'), output);
  writeFileSync(join(bin, 'iw'), `#!/bin/sh\n[ "$1" = dev ] || exit 1\nexec /bin/cat "${join(bin, 'iw.out')}"\n`);
  chmodSync(join(bin, 'iw'), 0o755);
  return bin;
}

const IW_AP = `phy#0
\tInterface wlan0
\t\tifindex 3
\t\twdev 0x1
\t\taddr 02:00:00:00:01:00
\t\tssid Poste-Partage
\t\ttype AP
\t\tchannel 6 (2437 MHz), width: 20 MHz, center1: 2437 MHz
\t\ttxpower 20.00 dBm
`;

t.test('live: this machine has no WLAN hardware, established from the kernel', async (t) => {
  const wifi = await collectWifi();
  t.ok(Value.Check(WifiEvidence, wifi));
  t.match(wifi, {
    source: 'kernel sysfs: no ieee80211 phy, no wireless interface in class/net, no wlan rfkill switch',
    hardware_present: false,
  });
  t.same((wifi as { interfaces: unknown[] }).interfaces, []);
});

t.test('kernel shows a radio but iw is missing: sysfs facts reported, never an empty list', async (t) => {
  const sysRoot = fakeSysfs(t, { soft: '0', hard: '0' });
  const emptyBin = tempDir(t);
  const wifi = await collectWifi({ sysRoot, platform: 'linux', env: { PATH: emptyBin } });
  t.ok(Value.Check(WifiEvidence, wifi));
  t.match(wifi, { hardware_present: true, source: /1 phy, 1 WLAN interface\(s\), 1 wlan rfkill; iw unusable \(iw: not installed/ });
  t.match(wifi, { interfaces: [{ name: 'wlan0', driver: 'iwlwifi', radio: 'on', oper_state: 'down', mode: 'unknown', connection: null }] });
});

t.test('rfkill soft or hard block turns the radio off', async (t) => {
  for (const rfkill of [{ soft: '1', hard: '0' }, { soft: '0', hard: '1' }]) {
    const wifi = await collectWifi({ sysRoot: fakeSysfs(t, rfkill), platform: 'linux', env: { PATH: tempDir(t) } });
    t.match(wifi, { interfaces: [{ name: 'wlan0', radio: 'off' }] }, JSON.stringify(rfkill));
  }
});

t.test('fake iw on PATH: AP mode and SSID merged with the kernel view', async (t) => {
  const wifi = await collectWifi({ sysRoot: fakeSysfs(t, { soft: '0', hard: '0' }, 'up'), platform: 'linux', env: { PATH: fakeIw(t, IW_AP) } });
  t.ok(Value.Check(WifiEvidence, wifi));
  t.match(wifi, {
    source: /iw dev: mode and SSID/,
    interfaces: [{ name: 'wlan0', radio: 'on', oper_state: 'up', mode: 'ap', connection: { ssid: 'Poste-Partage', key_management: null, cipher: null } }],
  });
});

t.test('unreadable sysfs and other platforms give unavailable', async (t) => {
  t.match(await collectWifi({ sysRoot: tempDir(t), platform: 'linux' }), { unavailable: /sysfs not readable/ });
  t.match(await collectWifi({ platform: 'darwin' }), { unavailable: /Linux and Windows only \(this host: darwin\)/ });
});

t.test('parseIwDev: several phys, modes, no SSID when not associated', async (t) => {
  const text = `${IW_AP}phy#1\n\tunnamed/non-netdev interface\n\t\twdev 0x100000002\n\t\ttype P2P-device\n\tInterface wlp3s0\n\t\tifindex 4\n\t\ttype managed\n\tInterface adhoc0\n\t\ttype IBSS\n\t\tssid mesh-lab\n\tInterface p2p-wlp3s0-0\n\t\ttype P2P-GO\n`;
  t.same(parseIwDev(text), [
    { name: 'wlan0', phy: 'phy0', mode: 'ap', ssid: 'Poste-Partage' },
    { name: 'wlp3s0', phy: 'phy1', mode: 'managed', ssid: null },
    { name: 'adhoc0', phy: 'phy1', mode: 'ibss', ssid: 'mesh-lab' },
    { name: 'p2p-wlp3s0-0', phy: 'phy1', mode: 'p2p-go', ssid: null },
  ]);
  t.same(parseIwDev(''), []);
});
