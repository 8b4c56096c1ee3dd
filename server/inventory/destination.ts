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

/**
 * A copy of `s` that shares no memory with the text it was cut from. V8 keeps a substring of 13
 * characters or more as a view on its parent: a name cut from a 1 MiB chunk of a proxy log and
 * kept as a cache key would keep the whole chunk alive.
 */
export function detachedString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
const CACHE_MAX = 100_000;

/** The canonical destination of a host name or IP as observed; null when it is not one. Memoised (bounded). */
export function canonicalDestination(raw: string): CanonicalDestination | null {
  const known = cache.get(raw);
  if (known !== undefined) return known;
  const own = detachedString(raw);
  const host = canonicalHost(own);
  let value: CanonicalDestination | null = null;
  if (host.ok) {
    value =
      host.value.ip !== null
        ? { destination: host.value.ip.toString(), kind: 'address', domain: null }
        : { destination: host.value.host, kind: 'name', domain: getDomain(host.value.host, { allowPrivateDomains: true }) };
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(own, value);
  return value;
}

/** UTC day of an ISO time. */
export function dayOf(iso: string): string {
  return iso.slice(0, 10);
}
