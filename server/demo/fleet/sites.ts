// The demo GHT: its three sites, the GHT-wide services the support establishment hosts, and
// the addresses of each site's own services. New sites, or per-site data (vendors, targets,
// inventory) that needs a site's addresses, start from here.

export interface SimulatedSite {
  id: string;
  name: string;
  /** First two octets of the site's LAN, e.g. "10.10". */
  lan: string;
  /** The admin network of the site (sshd should listen only there). */
  adminNet: string;
}

export const DEMO_SITES: readonly SimulatedSite[] = [
  { id: 'chi-vallee', name: 'CHI de la Vallée (établissement support)', lan: '10.10', adminNet: '10.10.250' },
  { id: 'ch-plateau', name: 'CH du Plateau', lan: '10.20', adminNet: '10.20.250' },
  { id: 'ch-riviere', name: 'CH de la Rivière', lan: '10.30', adminNet: '10.30.250' },
];

/** GHT-wide services, hosted by the support establishment (chi-vallee). */
export const GHT = {
  domain: 'ght-vallee.local',
  netbios: 'GHT-VALLEE',
  proxy: { address: '10.10.1.30', fqdn: 'proxy.ght-vallee.local', url: 'http://proxy.ght-vallee.local:3128' },
  wsus: { address: '10.10.1.40', fqdn: 'wsus.ght-vallee.local' },
  syslog: { address: '10.10.1.50', fqdn: 'syslog.ght-vallee.local' },
  mirror: { address: '10.10.1.60', fqdn: 'miroir.ght-vallee.local' },
  hdsObjectStorage: { address: '185.24.140.17', fqdn: 's3.hds-hebergeur.fr' },
} as const;

/** Addresses of one site's services. */
export function siteAddresses(site: SimulatedSite) {
  return {
    dc: [`${site.lan}.1.10`, `${site.lan}.1.11`],
    dpi: `${site.lan}.20.10`,
    pacs: `${site.lan}.20.20`,
    backup: `${site.lan}.30.10`,
    print: `${site.lan}.1.80`,
  };
}
