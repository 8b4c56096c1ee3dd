// WIFI-02 (no weak networks), WIFI-03 (802.1X validation), WIFI-04 (auto-connect allowlist),
// WIFI-05 (no AP/hotspot/ad hoc), WIFI-06 (no bridging between Wi-Fi and the LAN).
import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { Report, WifiEvidence, WifiInterface } from '../../../policies/evidence.js';
import { classifyAuth, classifyCipher } from '../../../policies/rules/wifi.js';
import { BUILDER_COLLECTED_AT, buildReport, wifiInterface, withWifi } from '../../helpers/report-builder.js';
import { wifiProfile } from '../../helpers/report-builder-net.js';
import { shippedWith, verdictOf } from '../pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const enterpriseLink = (overrides: Partial<NonNullable<WifiInterface['connection']>> = {}): WifiInterface =>
  wifiInterface({ radio: 'on', oper_state: 'up', connection: { ssid: 'CH-Soins', key_management: 'wpa-eap', cipher: 'ccmp', ...overrides } });
/** A workstation on the enterprise SSID, one compliant saved profile, routing off, no bridge. */
const laptop = (wifi: Partial<WifiEvidence> = {}, role: Report['host']['role'] = 'workstation') =>
  withWifi(buildReport({ host: { role } }), {
    hardware_present: true,
    interfaces: [enterpriseLink()],
    profiles: [wifiProfile()],
    ip_forwarding: { ipv4: false, ipv6: false },
    bridges: [],
    wired_interfaces: [{ name: 'eth0', oper_state: 'up' }],
    ...wifi,
  });
const judge = (id: string, report: Report, parameters: Record<string, unknown> = {}) =>
  verdictOf(evaluate(report, shippedWith(report.host.role, id, parameters), AT), id);

t.test('classifiers: NetworkManager, Windows and macOS spellings', async (t) => {
  const cases: [string, string | null, ReturnType<typeof classifyAuth>][] = [
    ['wpa-eap', null, 'enterprise'],
    ['wpa-eap-suite-b-192', null, 'enterprise'],
    ['WPA2-Enterprise', null, 'enterprise'],
    ['wpa-psk', null, 'personal'],
    ['wpa-psk', 'wpa', 'wpa1'],
    ['wpa-psk', 'wpa rsn', 'personal'],
    ['sae', null, 'personal'],
    ['WPA2-Personal', null, 'personal'],
    ['WPA-Personal', null, 'wpa1'],
    ['WPA-Enterprise', null, 'wpa1'],
    ['none', null, 'wep'],
    ['ieee8021x', null, 'wep'],
    ['Shared', null, 'wep'],
    ['Open', null, 'open'],
    ['owe', null, 'owe'],
    ['mystery', null, 'unrecognised'],
  ];
  for (const [km, proto, expected] of cases) t.equal(classifyAuth(km, proto), expected, `${km} / ${proto}`);
  t.equal(classifyAuth('Open', null, 'WEP'), 'wep', 'Windows open authentication with WEP cipher');
  t.equal(classifyCipher('CCMP'), 'strong');
  t.equal(classifyCipher('ccmp gcmp-256'), 'strong');
  t.equal(classifyCipher('AES'), 'strong');
  t.equal(classifyCipher('tkip,ccmp'), 'tkip');
  t.equal(classifyCipher('wep104'), 'wep');
  t.equal(classifyCipher('rot13'), 'unrecognised');
});

// ---------------------------------------------------------------- WIFI-02

t.test('WIFI-02: enterprise association and clean profiles pass', async (t) => {
  const v = judge('WIFI-02', laptop());
  t.equal(v.status, 'pass');
  t.match(v.explanation.en, /1 current association\(s\), 1 compliant saved profile\(s\)/);
  t.equal(judge('WIFI-02', laptop({ interfaces: [wifiInterface()] })).status, 'pass', 'not associated');
});

t.test('WIFI-02: open, WEP, WPA1 or TKIP, connected or saved, fails', async (t) => {
  const open = judge('WIFI-02', laptop({ interfaces: [enterpriseLink({ ssid: 'Free-WiFi', key_management: 'open', cipher: 'none' })] }));
  t.equal(open.status, 'fail');
  t.match(open.explanation.en, /wlan0 → "Free-WiFi": connected to an insufficiently secured network, open network \(open\)/);
  t.same(open.evidence.slice(0, 1), ['/wifi/interfaces/0/connection/key_management']);
  t.match(judge('WIFI-02', laptop({ interfaces: [enterpriseLink({ cipher: 'TKIP' })] })).explanation.en, /cipher TKIP/);
  const scanWpa1 = laptop({ interfaces: [enterpriseLink({ key_management: 'wpa-psk' })], visible_networks: [{ ssid: 'CH-Soins', security: 'WPA1', in_use: true }] });
  t.match(judge('WIFI-02', scanWpa1, { personal_allowed: true, allowed_ssids: ['CH-Soins'] }).explanation.en, /insufficiently secured network, WPA1 \(wpa-psk\)/, 'scan shows WPA1 only');
  const profiles = judge('WIFI-02', laptop({
    profiles: [
      wifiProfile(),
      wifiProfile({ ssid: 'Cafe', key_management: null, cipher: null, eap: null }),
      wifiProfile({ ssid: 'Old', key_management: 'none', cipher: null, eap: null }),
      wifiProfile({ ssid: 'Legacy', key_management: 'wpa-psk', proto: 'wpa', cipher: null, eap: null }),
      wifiProfile({ ssid: 'Mixed', key_management: 'wpa-psk', cipher: 'tkip ccmp', eap: null }),
    ],
  }));
  t.equal(profiles.status, 'fail');
  t.match(profiles.explanation.en, /profile "Cafe": open network \(no security\)/);
  t.match(profiles.explanation.en, /profile "Old": WEP/);
  t.match(profiles.explanation.en, /profile "Legacy": WPA1/);
  t.match(profiles.explanation.en, /profile "Mixed": cipher tkip ccmp allowed/);
  t.same(profiles.evidence, ['/wifi/profiles/1', '/wifi/profiles/2', '/wifi/profiles/3', '/wifi/profiles/4']);
});

t.test('WIFI-02: personal only if the role permits it AND the SSID is allowlisted; OWE warns', async (t) => {
  const psk = laptop({ interfaces: [enterpriseLink({ key_management: 'sae', ssid: 'Bloc-Mobile' })] });
  t.match(judge('WIFI-02', psk).explanation.en, /the role does not permit it/);
  t.match(judge('WIFI-02', psk, { personal_allowed: true, allowed_ssids: ['Bloc-mobile'] }).explanation.en, /this SSID is not allowlisted/, 'SSIDs are case-sensitive');
  t.equal(judge('WIFI-02', psk, { personal_allowed: true, allowed_ssids: ['Bloc-Mobile'] }).status, 'pass');
  t.equal(judge('WIFI-02', psk, { personal_allowed: false, allowed_ssids: ['Bloc-Mobile'] }).status, 'fail');
  const owe = laptop({ interfaces: [enterpriseLink({ key_management: 'owe' })] });
  t.equal(judge('WIFI-02', owe).status, 'warn');
  t.equal(judge('WIFI-02', owe, { owe: 'fail' }).status, 'fail');
  t.equal(judge('WIFI-02', laptop({ profiles: [wifiProfile({ key_management: 'owe', eap: null })] })).status, 'warn', 'saved OWE profile');
});

t.test('WIFI-02: unreported security is unknown; no Wi-Fi at all is not_applicable', async (t) => {
  const iwOnly = judge('WIFI-02', laptop({ interfaces: [enterpriseLink({ key_management: null, cipher: null })] }));
  t.equal(iwOnly.status, 'unknown');
  t.match(iwOnly.explanation.en, /authentication method not reported/);
  const noProfiles = laptop();
  delete (noProfiles.wifi as { profiles?: unknown }).profiles;
  t.match(judge('WIFI-02', noProfiles).explanation.en, /Saved Wi-Fi profiles not reported by this agent/);
  t.equal(judge('WIFI-02', laptop({ profiles: { unavailable: 'nmcli not found' } })).status, 'unknown');
  const none = judge('WIFI-02', withWifi(buildReport({ host: { role: 'workstation' } }), { hardware_present: false, interfaces: [] }));
  t.equal(none.status, 'not_applicable');
  t.match(none.explanation.en, /No Wi-Fi device is present/);
  const savedOnly = withWifi(buildReport({ host: { role: 'workstation' } }), { hardware_present: false, interfaces: [], profiles: [wifiProfile({ key_management: null, eap: null })] });
  t.equal(judge('WIFI-02', savedOnly).status, 'fail', 'a saved open profile is judged even without a radio today');
  t.equal(judge('WIFI-02', laptop({}, 'server')).status, 'not_applicable', 'not a server rule');
});

// ---------------------------------------------------------------- WIFI-03

const eapProfile = (eap: Partial<NonNullable<ReturnType<typeof wifiProfile>['eap']>>) =>
  wifiProfile({ eap: { methods: ['tls'], phase2: null, ca_configured: true, system_ca: false, server_name: null, ...eap } });

t.test('WIFI-03: EAP-TLS pinned = pass; PEAP/TTLS pinned + server name = warn; else fail', async (t) => {
  const tls = judge('WIFI-03', laptop({ profiles: [eapProfile({})] }));
  t.equal(tls.status, 'pass');
  t.match(tls.explanation.en, /EAP-TLS, pinned CA/);
  const peap = judge('WIFI-03', laptop({ profiles: [eapProfile({ methods: ['peap'], phase2: 'mschapv2', server_name: 'radius.ch.fr' })] }));
  t.equal(peap.status, 'warn');
  t.match(peap.explanation.en, /peap\/mschapv2\): pinned CA and server name radius\.ch\.fr, tolerated fallback/);
  t.equal(judge('WIFI-03', laptop({ profiles: [eapProfile({ methods: ['ttls'], phase2: 'pap', server_name: 'r.ch.fr' })] }), { tunnelled_methods: 'fail' }).status, 'fail');
  const noName = judge('WIFI-03', laptop({ profiles: [eapProfile({ methods: ['peap'], phase2: 'mschapv2' })] }));
  t.equal(noName.status, 'fail');
  t.match(noName.explanation.en, /no server name constraint/);
  const noValidation = judge('WIFI-03', laptop({ profiles: [eapProfile({ ca_configured: false, system_ca: false })] }));
  t.equal(noValidation.status, 'fail');
  t.match(noValidation.explanation.fr, /certificat du serveur RADIUS non vérifié/);
  t.same(noValidation.evidence, ['/wifi/profiles/0/eap']);
  t.match(judge('WIFI-03', laptop({ profiles: [eapProfile({ ca_configured: false, system_ca: true })] })).explanation.en, /system CA store accepted, no pinned CA/);
  t.equal(judge('WIFI-03', laptop({ profiles: [eapProfile({ ca_configured: true, system_ca: true })] })).status, 'fail', 'CA plus system store: not pinned');
  t.match(judge('WIFI-03', laptop({ profiles: [eapProfile({ methods: ['leap'] })] })).explanation.en, /method leap is not TLS\/PEAP\/TTLS/);
  t.equal(judge('WIFI-03', laptop({ profiles: [eapProfile({ methods: [] })] })).status, 'unknown');
});

t.test('WIFI-03: no 802.1X profile is not_applicable; unreported profiles unknown', async (t) => {
  const none = judge('WIFI-03', laptop({ profiles: [wifiProfile({ key_management: 'wpa-psk', eap: null })] }));
  t.equal(none.status, 'not_applicable');
  t.match(none.explanation.en, /No 802\.1X profile among the 1 saved Wi-Fi profile/);
  t.equal(judge('WIFI-03', laptop({ profiles: { unavailable: 'nmcli not found' } })).status, 'unknown');
  t.equal(judge('WIFI-03', laptop({}, 'telemaintenance-gateway')).status, 'not_applicable', 'WS and ADM only');
});

// ---------------------------------------------------------------- WIFI-04

t.test('WIFI-04: every auto-connect profile must be allowlisted (exact SSID)', async (t) => {
  const report = laptop({ profiles: [wifiProfile(), wifiProfile({ ssid: 'Guest', autoconnect: false }), wifiProfile({ ssid: 'Hotel', autoconnect: true })] });
  const v = judge('WIFI-04', report, { allowed_ssids: ['CH-Soins'] });
  t.equal(v.status, 'fail');
  t.match(v.explanation.en, /profile "Hotel" auto-connects, SSID not allowlisted/);
  t.same(v.evidence, ['/wifi/profiles/2/autoconnect']);
  t.equal(judge('WIFI-04', report, { allowed_ssids: ['CH-Soins', 'Hotel'] }).status, 'pass');
  t.equal(judge('WIFI-04', report, { allowed_ssids: ['ch-soins', 'Hotel'] }).status, 'fail', 'case-sensitive');
  t.equal(judge('WIFI-04', laptop()).status, 'fail', 'empty shipped list: any auto-connect profile fails');
  t.equal(judge('WIFI-04', laptop({ profiles: [] })).status, 'pass');
  t.match(judge('WIFI-04', laptop({ profiles: { unavailable: 'netsh failed' } })).explanation.en, /Saved Wi-Fi profiles unavailable: netsh failed/);
});

// ---------------------------------------------------------------- WIFI-05

t.test('WIFI-05: AP, IBSS and P2P-GO modes, hotspots and autostart AP profiles fail', async (t) => {
  t.equal(judge('WIFI-05', laptop()).status, 'pass', 'Linux: interface types answer for hostapd/NM hotspots');
  for (const mode of ['ap', 'ibss', 'p2p-go'] as const) {
    const v = judge('WIFI-05', laptop({ interfaces: [wifiInterface({ radio: 'on', oper_state: 'up', mode })] }));
    t.equal(v.status, 'fail', mode);
    t.same(v.evidence, ['/wifi/interfaces/0/mode']);
  }
  const gw = judge('WIFI-05', laptop({ interfaces: [wifiInterface({ radio: 'on', oper_state: 'up', mode: 'ap' })] }, 'telemaintenance-gateway'));
  t.equal(gw.severity, 'critical', 'escalated on the gateway');
  t.equal(judge('WIFI-05', laptop({ hotspot: { hotspot_active: true, ap_daemon_running: false } })).status, 'fail');
  t.match(judge('WIFI-05', laptop({ hotspot: { hotspot_active: false, ap_daemon_running: true } })).explanation.en, /hostapd\) running/);
  const autostart = judge('WIFI-05', laptop({ profiles: [wifiProfile({ ssid: 'Partage', mode: 'ap', autoconnect: true, eap: null, key_management: 'wpa-psk' })] }));
  t.equal(autostart.status, 'fail');
  t.match(autostart.explanation.en, /profile "Partage" in ap mode starts automatically/);
  t.equal(judge('WIFI-05', laptop({ profiles: [wifiProfile({ mode: 'ap', autoconnect: false })] })).status, 'pass', 'an AP profile that does not autostart');
});

t.test('WIFI-05: unknown mode on an active radio, or unreported hotspot off Linux, is unknown', async (t) => {
  t.equal(judge('WIFI-05', laptop({ interfaces: [wifiInterface({ radio: 'on', oper_state: 'up', mode: 'unknown' })] })).status, 'unknown');
  t.equal(judge('WIFI-05', laptop({ interfaces: [wifiInterface({ radio: 'off', oper_state: 'down', mode: 'unknown' })] })).status, 'pass', 'radio off');
  const windows = withWifi(buildReport({ host: { role: 'workstation', os: { platform: 'windows', distro: null, release: '10.0.19045', arch: 'x64' } } }), {
    hardware_present: true,
    interfaces: [enterpriseLink()],
    profiles: [wifiProfile()],
  });
  const v = judge('WIFI-05', windows);
  t.equal(v.status, 'unknown');
  t.match(v.explanation.en, /Hotspot state not reported by this agent/);
  t.equal(judge('WIFI-05', laptop({ hotspot: { hotspot_active: null, ap_daemon_running: false } })).status, 'unknown');
});

// ---------------------------------------------------------------- WIFI-06

t.test('WIFI-06: wired up + non-enterprise Wi-Fi fails; enterprise or wired down passes', async (t) => {
  t.equal(judge('WIFI-06', laptop()).status, 'pass');
  const psk = laptop({ interfaces: [enterpriseLink({ ssid: 'Box-4G', key_management: 'wpa-psk' })] });
  const v = judge('WIFI-06', psk);
  t.equal(v.status, 'fail');
  t.match(v.explanation.en, /wlan0 → "Box-4G" \(wpa-psk\) while the wired network is up \(eth0\): bridge between a non-enterprise Wi-Fi/);
  t.same(v.evidence, ['/wifi/interfaces/0/connection']);
  t.equal(v.severity, 'high');
  t.equal(judge('WIFI-06', laptop({ interfaces: [enterpriseLink({ key_management: 'wpa-psk' })], wired_interfaces: [{ name: 'eth0', oper_state: 'down' }] })).status, 'pass');
  t.equal(judge('WIFI-06', laptop({ interfaces: [enterpriseLink({ key_management: 'wpa-psk' })], wired_interfaces: [{ name: 'eth0', oper_state: 'unknown' }] })).status, 'unknown');
  t.match(judge('WIFI-06', laptop({ interfaces: [enterpriseLink({ key_management: 'wpa-psk' })], wired_interfaces: undefined })).explanation.en, /Wired interface state not reported by this agent/);
  t.equal(judge('WIFI-06', laptop({ interfaces: [enterpriseLink({ key_management: null })] })).status, 'unknown', 'security unreported while wired');
  const gw = judge('WIFI-06', laptop({ interfaces: [enterpriseLink({ key_management: 'open' })] }, 'telemaintenance-gateway'));
  t.equal(gw.severity, 'critical');
});

t.test('WIFI-06: forwarding, bridges and ICS are off unless the role routes', async (t) => {
  const fwd = judge('WIFI-06', laptop({ ip_forwarding: { ipv4: true, ipv6: null } }));
  t.equal(fwd.status, 'fail');
  t.same(fwd.evidence, ['/wifi/ip_forwarding/ipv4']);
  t.equal(judge('WIFI-06', laptop({ ip_forwarding: { ipv4: false, ipv6: true } })).status, 'fail');
  t.equal(judge('WIFI-06', laptop({ ip_forwarding: { ipv4: true, ipv6: true } }), { routing_allowed: true }).status, 'pass');
  const wlanBridge = judge('WIFI-06', laptop({ bridges: [{ name: 'br0', members: ['eth0', 'wlan0'] }] }), { allowed_bridges: ['br0'] });
  t.equal(wlanBridge.status, 'fail', 'a bridge with a Wi-Fi member is never allowed');
  t.match(wlanBridge.explanation.en, /bridge br0 includes the Wi-Fi interface wlan0/);
  t.equal(judge('WIFI-06', laptop({ bridges: [{ name: 'docker0', members: [] }] })).status, 'fail');
  t.equal(judge('WIFI-06', laptop({ bridges: [{ name: 'docker0', members: [] }] }), { allowed_bridges: ['docker0'] }).status, 'pass');
  t.match(judge('WIFI-06', laptop({ ip_forwarding: undefined })).explanation.en, /IP forwarding not reported by this agent/);
  t.equal(judge('WIFI-06', laptop({ bridges: { unavailable: '/sys not mounted' } })).status, 'unknown');
  t.equal(judge('WIFI-06', laptop({ connection_sharing: { enabled: true } })).status, 'fail');
  const windows = withWifi(buildReport({ host: { role: 'workstation', os: { platform: 'windows', distro: null, release: null, arch: null } } }), {
    hardware_present: true,
    interfaces: [enterpriseLink()],
    ip_forwarding: { ipv4: false, ipv6: false },
    bridges: [],
    wired_interfaces: [],
  });
  t.match(judge('WIFI-06', windows).explanation.en, /Internet Connection Sharing not reported by this agent/);
  t.equal(judge('WIFI-06', withWifi(buildReport({ host: { role: 'workstation' } }), { hardware_present: false, interfaces: [] })).status, 'not_applicable');
});
