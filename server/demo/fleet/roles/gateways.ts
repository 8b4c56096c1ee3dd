// Vendor telemaintenance gateways in front of MRI, CT and PET devices, one plan per device.
import { type WifiEvidence } from '../../../../policies/evidence.js';
import { DAY, HOUR } from '../clock.js';
import { restic } from '../evidence/backups.js';
import { hardenedSshd, linuxMfa, singleFactorSshd } from '../evidence/mfa.js';
import { linuxNetwork, listener } from '../evidence/network.js';
import { type GatewayPlan, telemaintenance } from '../evidence/telemaintenance.js';
import { ENTERPRISE_SSID, linuxNoWifi } from '../evidence/wifi.js';
import { DEBIAN_12 } from '../platforms.js';
import { type HostSpec } from './host-spec.js';
import { GHT, type SimulatedSite } from '../sites.js';

const GATEWAY_PLANS: readonly (readonly GatewayPlan[])[] = [
  [
    { device: 'irm', vendor: 'siemens', account: 'srs-irm', weak: false, wifiOn: false, accountLeftEnabled: false, forwardingStalled: false, tunnel: 'tls' },
    { device: 'scanner', vendor: 'ge', account: 'insite-scanner', weak: true, wifiOn: false, accountLeftEnabled: false, forwardingStalled: false, tunnel: 'tls' },
    { device: 'tep', vendor: 'philips', account: 'rsn-tep', weak: false, wifiOn: false, accountLeftEnabled: false, forwardingStalled: true, tunnel: 'tls' },
  ],
  [
    { device: 'irm', vendor: 'ge', account: 'insite-irm', weak: false, wifiOn: false, accountLeftEnabled: true, forwardingStalled: false, tunnel: 'tls' },
    { device: 'scanner', vendor: 'canon', account: 'canon-scanner', weak: false, wifiOn: true, accountLeftEnabled: false, forwardingStalled: false, tunnel: 'tls' },
  ],
  [{ device: 'scanner', vendor: 'siemens', account: 'srs-scanner', weak: false, wifiOn: false, accountLeftEnabled: false, forwardingStalled: false, tunnel: 'ipsec-psk' }],
];

export function gateways(site: SimulatedSite, index: number, prefix: string): HostSpec[] {
  const plans = GATEWAY_PLANS[index] ?? [];
  return plans.map((plan, n) => {
    const address = `${site.adminNet}.${40 + n}`;
    const deviceAddress = `${site.lan}.60.${11 + n}`;
    const lastInterventionDays = 11 + n * 6 + index * 2;
    return {
      site,
      role: 'telemaintenance-gateway' as const,
      hostname: `${prefix}-tmg-${plan.device}-01`,
      os: DEBIAN_12,
      system: plan.forwardingStalled ? { forwardingStalledMs: 3 * DAY + 4 * HOUR } : {},
      build: (now) => {
        const listeners = [plan.weak ? listener('0.0.0.0', 22, 'sshd', 712) : listener(address, 22, 'sshd', 712)];
        // strongSwan's charon listens for IKE even when the gateway initiates the tunnel.
        if (plan.tunnel === 'ipsec-psk') listeners.push(listener('0.0.0.0', 500, 'charon', 990, 'udp'), listener('0.0.0.0', 4500, 'charon', 990, 'udp'));
        const wifi: WifiEvidence = plan.wifiOn
          ? {
              source: 'sysfs /sys/class/ieee80211 + iw dev + nmcli',
              hardware_present: true,
              interfaces: [
                { name: 'wlp2s0', driver: 'iwlwifi', radio: 'on', oper_state: 'up', mode: 'managed', connection: { ssid: 'Box-Invites', key_management: 'wpa-psk', cipher: 'CCMP' } },
              ],
              profiles: [{ ssid: 'Box-Invites', key_management: 'wpa-psk', cipher: null, autoconnect: true, proto: 'rsn', mode: 'managed', eap: null }],
              visible_networks: [
                { ssid: 'Box-Invites', security: 'WPA2', in_use: true },
                { ssid: ENTERPRISE_SSID, security: 'WPA2 802.1X', in_use: false },
              ],
              ip_forwarding: { ipv4: false, ipv6: false },
              bridges: [],
              hotspot: { hotspot_active: false, ap_daemon_running: false },
              wired_interfaces: [{ name: 'enp1s0', oper_state: 'up' }],
            }
          : linuxNoWifi();
        return {
          network: linuxNetwork(site, now, listeners, [], { addresses: [address] }),
          wifi,
          backups: { sources: [restic(now, `rest:https://bkp.${site.id}.${GHT.domain}:8000/tmg-${plan.device}`, 5 + n * 7 + index * 4, 30)] },
          mfa: linuxMfa(now, plan.weak ? singleFactorSshd(address) : hardenedSshd(address), {
            secondFactor: !plan.weak,
            remote: plan.weak
              ? [{ kind: 'ssh', name: 'sshd 0.0.0.0:22 (reachable through the vendor tunnel)', exposure: 'partner', factors: ['publickey'] }]
              : [{ kind: 'vendor-portal', name: `${plan.vendor} remote session through the tunnel`, exposure: 'partner', factors: ['client-certificate', 'password', 'totp'] }],
          }),
          telemaintenance: telemaintenance(site, now, plan, deviceAddress, lastInterventionDays),
        };
      },
    };
  });
}
