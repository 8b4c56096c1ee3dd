// A destination's key, canonicalised with the allowlist's own functions (policies/allowlist.ts)
// so the inventory and the matcher can never disagree on what a name or an address is.
import { getDomain } from 'tldts';
import { canonicalHost } from '../../policies/allowlist.js';

export interface CanonicalDestination {
  /** A-label FQDN, lower case, no trailing dot; or the canonical IP text. */
  destination: string;
  kind: 'name' | 'address';
  /** Registrable domain of a name (tldts with private suffixes); null for an address or a bare label. */
  domain: string | null;
}

const cache = new Map<string, CanonicalDestination | null>();
const CACHE_MAX = 100_000;

/** The canonical destination of a host name or IP as observed; null when it is not one. Memoised (bounded). */
export function canonicalDestination(raw: string): CanonicalDestination | null {
  const known = cache.get(raw);
  if (known !== undefined) return known;
  const host = canonicalHost(raw);
  let value: CanonicalDestination | null = null;
  if (host.ok) {
    value =
      host.value.ip !== null
        ? { destination: host.value.ip.toString(), kind: 'address', domain: null }
        : { destination: host.value.host, kind: 'name', domain: getDomain(host.value.host, { allowPrivateDomains: true }) };
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(raw, value);
  return value;
}

/** UTC day of an ISO time. */
export function dayOf(iso: string): string {
  return iso.slice(0, 10);
}
