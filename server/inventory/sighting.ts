// One observation of a destination by one host (or one unmapped proxy client) at one time: what
// agents' flows and proxy logs are turned into before they are rolled up.
import type { HostRole } from '../../policies/evidence.js';

export type Direction = 'egress' | 'ingress';

export interface Sighting {
  site: string;
  role: HostRole | 'unmapped';
  /** Canonical (see destination.ts). */
  destination: string;
  kind: 'name' | 'address';
  domain: string | null;
  port: number;
  protocol: 'tcp' | 'udp';
  direction: Direction;
  /** host_id, or `unmapped:<address>` for a proxy client that no agent reports. */
  host_key: string;
  /** ISO time. */
  at: string;
  /** `agent` or `proxy:<format>`. */
  source: string;
  /** Where the name came from and how sure, e.g. `dnsmasq-log/exact`; null for an address or a proxy line. */
  name_source: string | null;
  process: string | null;
  /** The address a name was seen at (agent flows); null otherwise. */
  address: string | null;
}
