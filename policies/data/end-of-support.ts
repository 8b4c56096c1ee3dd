// End of vendor security support per OS product and version, shipped as data with its sources
// (INV-02). A product/version missing here is judged `unknown`, never supported by default.
// Dates are the last day of security updates, UTC. Confidence as in POLICY-CATALOGUE.md:
// [V] checked against the vendor page, [T] third-party transcription, [M] from memory.
// Debian counts Debian LTS (free, by the Debian LTS team) as support; paid ELTS is not counted.

export interface EndOfSupport {
  product: string;
  version: string;
  /** Last day with security updates (inclusive), YYYY-MM-DD. */
  ends: string;
  source: string;
  confidence: 'V' | 'T' | 'M';
}

export const END_OF_SUPPORT: readonly EndOfSupport[] = [
  { product: 'debian', version: '10', ends: '2024-06-30', source: 'https://wiki.debian.org/LTS (Debian 10 LTS end)', confidence: 'T' },
  { product: 'debian', version: '11', ends: '2026-08-31', source: 'https://wiki.debian.org/LTS (Debian 11 LTS end)', confidence: 'T' },
  { product: 'debian', version: '12', ends: '2028-06-30', source: 'https://wiki.debian.org/LTS (Debian 12 LTS end)', confidence: 'T' },
  { product: 'debian', version: '13', ends: '2030-06-30', source: 'https://wiki.debian.org/LTS (Debian 13 LTS end, planned)', confidence: 'M' },
  { product: 'ubuntu', version: '18.04', ends: '2023-05-31', source: 'https://ubuntu.com/about/release-cycle (standard support; ESM is a paid extension)', confidence: 'T' },
  { product: 'ubuntu', version: '20.04', ends: '2025-05-31', source: 'https://ubuntu.com/about/release-cycle (standard support; ESM is a paid extension)', confidence: 'T' },
  { product: 'ubuntu', version: '22.04', ends: '2027-05-31', source: 'https://ubuntu.com/about/release-cycle (standard support)', confidence: 'M' },
  { product: 'ubuntu', version: '24.04', ends: '2029-05-31', source: 'https://ubuntu.com/about/release-cycle (standard support)', confidence: 'M' },
  { product: 'rhel', version: '7', ends: '2024-06-30', source: 'https://access.redhat.com/support/policy/updates/errata (Maintenance Support 2 end; ELS paid)', confidence: 'T' },
  { product: 'rhel', version: '8', ends: '2029-05-31', source: 'https://access.redhat.com/support/policy/updates/errata', confidence: 'T' },
  { product: 'rhel', version: '9', ends: '2032-05-31', source: 'https://access.redhat.com/support/policy/updates/errata', confidence: 'T' },
  { product: 'rocky', version: '8', ends: '2029-05-31', source: 'https://wiki.rockylinux.org/rocky/version/', confidence: 'T' },
  { product: 'rocky', version: '9', ends: '2032-05-31', source: 'https://wiki.rockylinux.org/rocky/version/', confidence: 'T' },
  { product: 'almalinux', version: '8', ends: '2029-03-01', source: 'https://wiki.almalinux.org/release-notes/', confidence: 'M' },
  { product: 'almalinux', version: '9', ends: '2032-05-31', source: 'https://wiki.almalinux.org/release-notes/', confidence: 'M' },
  // Windows client: the last feature update of the release, Enterprise/Education servicing.
  { product: 'windows', version: '7', ends: '2020-01-14', source: 'https://learn.microsoft.com/lifecycle/products/windows-7', confidence: 'T' },
  { product: 'windows', version: '8.1', ends: '2023-01-10', source: 'https://learn.microsoft.com/lifecycle/products/windows-81', confidence: 'T' },
  { product: 'windows', version: '10', ends: '2025-10-14', source: 'https://learn.microsoft.com/lifecycle/products/windows-10-enterprise-and-education (22H2; ESU is a paid extension)', confidence: 'T' },
  { product: 'windows', version: '11-23H2', ends: '2026-11-10', source: 'https://learn.microsoft.com/lifecycle/products/windows-11-enterprise-and-education', confidence: 'M' },
  { product: 'windows', version: '11-24H2', ends: '2027-10-12', source: 'https://learn.microsoft.com/lifecycle/products/windows-11-enterprise-and-education', confidence: 'M' },
  { product: 'windows-server', version: '2012', ends: '2023-10-10', source: 'https://learn.microsoft.com/lifecycle/products/windows-server-2012', confidence: 'T' },
  { product: 'windows-server', version: '2012 R2', ends: '2023-10-10', source: 'https://learn.microsoft.com/lifecycle/products/windows-server-2012-r2', confidence: 'T' },
  { product: 'windows-server', version: '2016', ends: '2027-01-12', source: 'https://learn.microsoft.com/lifecycle/products/windows-server-2016', confidence: 'T' },
  { product: 'windows-server', version: '2019', ends: '2029-01-09', source: 'https://learn.microsoft.com/lifecycle/products/windows-server-2019', confidence: 'T' },
  { product: 'windows-server', version: '2022', ends: '2031-10-14', source: 'https://learn.microsoft.com/lifecycle/products/windows-server-2022', confidence: 'T' },
  { product: 'windows-server', version: '2025', ends: '2034-10-10', source: 'https://learn.microsoft.com/lifecycle/products/windows-server-2025', confidence: 'M' },
];

/** The entry for a product/version; Windows 11 is keyed by its feature release ("11-24H2"). */
export function endOfSupportOf(product: string, version: string, build: string | null): EndOfSupport | null {
  const key = product === 'windows' && version === '11' && build ? `11-${build.toUpperCase()}` : version;
  return END_OF_SUPPORT.find((e) => e.product === product.toLowerCase() && e.version === key) ?? null;
}
