// A simulated GHT fleet for the demo: three hospitals of one territory, with the mix of
// machines an RSSI actually has (clinical workstations and a few laptops, admin workstations,
// vendor telemaintenance gateways in front of MRI/CT, servers, a backup server per site), each
// reporting every section a fully deployed Vigie agent of its platform reports, and nothing more:
// fleet/agent-view.ts cuts what a real agent of the platform does not collect.
//
// Most hosts are well kept; the flaws are the usual ones, placed on purpose: VNC or TeamViewer
// left on a few workstations, a gateway with single-factor sshd open on every interface, a
// stale server backup and a stale offline copy, Wi-Fi up on a gateway, an open Wi-Fi profile
// saved on a laptop, a vendor account left enabled past its window, SMBv1 on an old PACS,
// a reception kiosk with password-only logon, a gateway whose log forwarding stalled.
// A few sections are honestly `unavailable` (a borg repository whose passphrase is wrong, the
// offline copies a domain controller's wbadmin cannot see) and one lab server has stopped
// reporting (its evidence is stale).
//
// What only a site can declare (admin addresses, reviewed listeners, resolvers, SSIDs, vendor
// IPs, approved windows, the devices' flow matrix, the production AD forest...) is in the demo's
// site overlays (server/demo/overlays/<site>.yaml), which the demo copies into its data dir:
// without them those rules would say unknown, warn or fail for want of a declaration.
//
// Internet traffic goes through the GHT proxy (internal), updates through internal relays
// (WSUS, a Debian/RHEL mirror): the shipped packs carry no egress allowlist, so a direct vendor
// flow would fail NET-01. The backup servers' copy to the HDS object storage is external, but
// no flow rule applies to that role.
//
// Deterministic: the same seed (and `now`) gives the same reports, report ids included.
// No secret anywhere: names of accounts, keys' types, never a key, password or hash.
//
// What builds what (server/demo/fleet/):
//   sites.ts            the three sites, GHT-wide services, each site's service addresses
//   platforms.ts        the operating systems hosts report
//   roles/<role>.ts     one builder per role: workstations, admin-workstations, gateways (with
//                       their vendor plans), servers, backup-servers; host-spec.ts is their shape
//   evidence/<section>  evidence profiles the roles share: network, wifi, mfa, backups,
//                       telemaintenance
//   clock.ts, deterministic.ts   time arithmetic, seeded dice and stable report ids
// A new role goes in roles/ and in `specsFor` below. Demo data that is not a host report
// (vendors, access targets, inventory destinations, trend history) gets its own file in
// server/demo/ (e.g. vendors.ts), built from `DEMO_SITES` and seeded from main.ts after the fleet.
import { SCHEMA_VERSION, type HostIdentity, type Report } from '../../policies/evidence.js';
import { asRealAgentReports } from './fleet/agent-view.js';
import { iso } from './fleet/clock.js';
import { systemEvidence } from './fleet/evidence/system.js';
import { prng, reportId } from './fleet/deterministic.js';
import { adminWorkstations } from './fleet/roles/admin-workstations.js';
import { backupServer } from './fleet/roles/backup-servers.js';
import { gateways } from './fleet/roles/gateways.js';
import type { HostSpec } from './fleet/roles/host-spec.js';
import { servers } from './fleet/roles/servers.js';
import { workstations } from './fleet/roles/workstations.js';
import { DEMO_SITES, type SimulatedSite } from './fleet/sites.js';

export { DEMO_SITES, type SimulatedSite } from './fleet/sites.js';

export interface SimulatedHost {
  identity: Omit<HostIdentity, 'host_id'>;
  /** Builds the report once the server has assigned a host id. */
  report(hostId: string, now: Date): Report;
}

function specsFor(site: SimulatedSite, index: number, random: () => number): HostSpec[] {
  const prefix = site.id.split('-')[1]?.slice(0, 3) ?? site.id.slice(0, 3);
  return [
    ...workstations(site, index, random, prefix),
    ...adminWorkstations(site, index, prefix),
    ...gateways(site, index, prefix),
    ...servers(site, index, prefix),
    backupServer(site, index, prefix),
  ];
}

/** 48 hosts over three sites; the same seed (and `now`) always gives the same reports. */
export function simulatedFleet(seed = 2022): SimulatedHost[] {
  const random = prng(seed);
  return DEMO_SITES.flatMap((site, index) => specsFor(site, index, random)).map((spec) => ({
    identity: { hostname: spec.hostname, os: spec.os, role: spec.role, site: spec.site.id },
    report: (hostId: string, now: Date): Report => {
      const collectedAt = new Date(now.getTime() - (spec.reportAgeMs ?? 0));
      // Only what a real agent of the host's platform reports (fleet/agent-view.ts).
      const evidence = asRealAgentReports(spec.os.platform, { ...spec.build(collectedAt), system: systemEvidence(spec.site, spec.os, collectedAt, spec.system) });
      const report: Report = {
        schema_version: SCHEMA_VERSION,
        report_id: reportId(seed, spec.hostname, iso(collectedAt)),
        agent_version: '0.1.0-simulated',
        collected_at: iso(collectedAt),
        host: { host_id: hostId, hostname: spec.hostname, os: spec.os, role: spec.role, site: spec.site.id },
        network: evidence.network,
        wifi: evidence.wifi,
        backups: evidence.backups,
        mfa: evidence.mfa,
      };
      if (evidence.system !== undefined) report.system = evidence.system;
      if (evidence.telemaintenance !== undefined) report.telemaintenance = evidence.telemaintenance;
      return report;
    },
  }));
}
