// Whether a host's current evidence is still current: older than its pack's evidence_max_age_hours
// (as the nightly audit judges it), a host is stale and is never shown as passing.
import { HOST_ROLES, type HostRole } from '../../../policies/evidence.js';
import { packFor, type Pack, type SiteOverlay } from '../../../policies/pack.js';

export type HostFreshness = 'fresh' | 'stale' | 'never';

export function freshnessJudge(packs: Map<string, Pack>, overlays: ReadonlyMap<string, SiteOverlay>, now: Date) {
  const maxAge = new Map<string, number>();
  return (host: { role: string; site: string; collected_at: string | null }): HostFreshness => {
    if (host.collected_at === null) return 'never';
    const key = `${host.role}\u0000${host.site}`;
    let hours = maxAge.get(key);
    if (hours === undefined) {
      hours = (HOST_ROLES as readonly string[]).includes(host.role) ? packFor(host.role as HostRole, host.site, packs, overlays).parameters.evidence_max_age_hours : 0;
      maxAge.set(key, hours);
    }
    const age = now.getTime() - Date.parse(host.collected_at);
    return age > hours * 3_600_000 || age < -5 * 60_000 ? 'stale' : 'fresh';
  };
}
