// Telemaintenance evidence of a vendor gateway: inbound connections, ingress rules, the vendor
// account, the tunnel, the device account, log forwarding and the last recorded session.
import { type TelemaintenanceEvidence } from '../../../../policies/evidence.js';
import { DAY, HOUR, MINUTE, ago, iso } from '../clock.js';
import { GHT, type SimulatedSite } from '../sites.js';

export interface GatewayPlan {
  device: string;
  vendor: string;
  account: string;
  /** sshd keys-only on every interface, no PAM second factor, SSH open to any source. */
  weak: boolean;
  /** Wi-Fi radio up, associated to a guest WPA2-PSK network. */
  wifiOn: boolean;
  /** The vendor account was enabled 9 days ago and never disabled. */
  accountLeftEnabled: boolean;
  /** rsyslog forwarding stalled 3 days ago. */
  forwardingStalled: boolean;
  tunnel: 'tls' | 'ipsec-psk';
}

export function telemaintenance(site: SimulatedSite, now: Date, plan: GatewayPlan, deviceAddress: string, lastInterventionDays: number): TelemaintenanceEvidence {
  const tunnelNet = '172.31.200.';
  const start = now.getTime() - lastInterventionDays * DAY;
  const at = (ms: number) => iso(new Date(ms));
  const sessionId = `${plan.vendor}-${site.id}-${plan.device}-${Math.round(lastInterventionDays)}`;
  return {
    inbound: {
      window_start: ago(now, 24 * HOUR),
      window_end: iso(now),
      connections: [{ protocol: 'tcp', source_address: `${site.adminNet}.12`, local_port: 22, first_seen: ago(now, 6 * HOUR), last_seen: ago(now, 5.5 * HOUR) }],
    },
    ingress_rules: [
      plan.weak
        ? { source: 'any', port: 22, protocol: 'tcp', description: 'SSH (rule left by the installer)' }
        : { source: `${site.adminNet}.0/24`, port: 22, protocol: 'tcp', description: 'SSH from the admin network' },
      { source: `${tunnelNet}0/29`, port: 22, protocol: 'tcp', description: `${plan.vendor} engineers through the tunnel` },
    ],
    vendor_accounts: [
      plan.accountLeftEnabled
        ? { account: plan.account, enabled: true, enabled_at: ago(now, 9 * DAY), disabled_at: null }
        : { account: plan.account, enabled: false, enabled_at: at(start), disabled_at: at(start + 3 * HOUR) },
    ],
    tunnels: [
      {
        name: `${plan.vendor}-${plan.device}`,
        type: plan.tunnel === 'tls' ? 'tls-vpn' : 'ipsec-ikev2',
        authentication: plan.tunnel === 'tls' ? 'certificate' : 'psk',
        tls_version: plan.tunnel === 'tls' ? '1.3' : null,
        ciphers: plan.tunnel === 'tls' ? ['TLS_AES_256_GCM_SHA384'] : ['aes256gcm16-prfsha384-ecp384'],
        state: 'down',
        events: [
          { at: at(start - 10 * MINUTE), event: 'up' },
          { at: at(start + 3 * HOUR), event: 'down' },
        ],
      },
    ],
    device_accounts: [
      { device: `${plan.device.toUpperCase()} ${site.id}`, account: plan.account, auth: 'one-time-password', otp_validity_hours: 8, credential_reused: false },
    ],
    log_forwarding: {
      target: `${GHT.syslog.fqdn}:6514 (rsyslog, TLS)`,
      last_shipped_at: plan.forwardingStalled ? ago(now, 3 * DAY + 4 * HOUR) : ago(now, 2 * MINUTE),
    },
    sessions: [
      {
        session_id: sessionId,
        account: plan.account,
        source_address: `${tunnelNet}2`,
        device: `${plan.device.toUpperCase()} (${deviceAddress})`,
        started_at: at(start),
        ended_at: at(start + 2.5 * HOUR),
        actions_recorded: true,
        report_id: `INT-${sessionId}`,
      },
    ],
  };
}
