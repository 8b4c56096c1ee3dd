// Wi-Fi evidence profiles: no radio (desktops, servers), a docked laptop with its saved profiles.
import { type WifiEvidence, type WifiProfile } from '../../../../policies/evidence.js';
import { GHT } from '../sites.js';

export function windowsNoWifi(): WifiEvidence {
  return {
    source: 'netsh wlan show interfaces + Get-NetAdapter',
    hardware_present: false,
    interfaces: [],
    profiles: { unavailable: 'netsh wlan show profiles: the WLAN AutoConfig service (wlansvc) is not running (no wireless adapter)' },
    visible_networks: { unavailable: 'no wireless adapter' },
    ip_forwarding: { ipv4: false, ipv6: false },
    bridges: [],
    hotspot: { hotspot_active: false, ap_daemon_running: null },
    wired_interfaces: [{ name: 'Ethernet', oper_state: 'up' }],
    connection_sharing: { enabled: false },
  };
}

export const ENTERPRISE_SSID = 'GHT-VALLEE-PRO';

function enterpriseProfile(method: 'tls' | 'peap'): WifiProfile {
  return {
    ssid: ENTERPRISE_SSID,
    key_management: 'WPA2-Enterprise',
    cipher: 'CCMP',
    autoconnect: true,
    mode: 'managed',
    eap:
      method === 'tls'
        ? { methods: ['tls'], phase2: null, ca_configured: true, system_ca: false, server_name: `radius.${GHT.domain}` }
        : { methods: ['peap'], phase2: 'mschapv2', ca_configured: true, system_ca: false, server_name: `radius.${GHT.domain}` },
  };
}

/** A docked laptop: Wi-Fi radio turned off by policy while the wired link is up. */
export function laptopWifi(opts: { method: 'tls' | 'peap'; openProfile: boolean }): WifiEvidence {
  const profiles: WifiProfile[] = [enterpriseProfile(opts.method)];
  if (opts.openProfile) {
    profiles.push({ ssid: 'WIFI-GARE-GRATUIT', key_management: 'open', cipher: null, autoconnect: true, mode: 'managed', eap: null });
  }
  return {
    source: 'netsh wlan show interfaces / profiles + Get-NetAdapter',
    hardware_present: true,
    interfaces: [
      { name: 'Wi-Fi', driver: 'Intel(R) Wi-Fi 6 AX201 160MHz', radio: 'off', oper_state: 'down', mode: 'managed', connection: null },
    ],
    profiles,
    visible_networks: { unavailable: 'radio off: no scan results' },
    ip_forwarding: { ipv4: false, ipv6: false },
    bridges: [],
    // netsh shows the legacy hosted network only when started; Mobile Hotspot is not visible to it.
    hotspot: { hotspot_active: null, ap_daemon_running: null },
    wired_interfaces: [{ name: 'Ethernet', oper_state: 'up' }],
    connection_sharing: { enabled: false },
  };
}

export function linuxNoWifi(): WifiEvidence {
  return {
    source: 'sysfs /sys/class/ieee80211 + iw dev',
    hardware_present: false,
    interfaces: [],
    profiles: { unavailable: 'nmcli not found: NetworkManager is not installed on this host' },
    visible_networks: { unavailable: 'nmcli not found: NetworkManager is not installed on this host' },
    ip_forwarding: { ipv4: false, ipv6: false },
    bridges: [],
    hotspot: { hotspot_active: null, ap_daemon_running: false },
    wired_interfaces: [{ name: 'ens192', oper_state: 'up' }],
  };
}
