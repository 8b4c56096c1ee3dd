// Pieces of page 9 (Télémaintenance): a request's state, window, quorum still missing, the
// posture gate with its failing rules, and the emergency / override markings. Text and icon,
// never colour alone; vendor names, reasons and comments are untrusted text.
import type { AccessRequest, AccessState, ReviewerRole } from '../../access/model.js';
import type { PostureGateResult } from '../../access/posture-gate.js';
import type { QuorumProgress } from '../../access/review-rules.js';
import type { View } from '../view.js';
import { StatusBadge } from './status.js';
import { Untrusted } from './visible-text.js';

// Glyphs present in the common system fonts (DejaVu, Segoe UI): no emoji font needed.
const STATE_ICONS: Record<AccessState, string> = {
  pending: '◷',
  approved: '✔',
  active: '▶',
  closed: '■',
  denied: '✖',
  expired: '◴',
  cancelled: '⊘',
  revoked: '⊗',
};

export function StateBadge({ view, state }: { view: View; state: AccessState }) {
  return (
    <span class={`badge access-${state}`}>
      <span aria-hidden="true">{STATE_ICONS[state]} </span>
      {view.t(`access.state.${state}`)}
    </span>
  );
}

/** "05/03/2035 10:00 → 05/03/2035 12:00 (2 h)": Paris time, the duration spelled out. */
export function WindowText({ view, from, to }: { view: View; from: string; to: string }) {
  const minutes = Math.round((Date.parse(to) - Date.parse(from)) / 60_000);
  const duration = minutes % 60 === 0 ? `${minutes / 60} h` : minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
  return (
    <span class="window">
      <time datetime={from}>{view.f.dateTime(from)}</time> → <time datetime={to}>{view.f.dateTime(to)}</time> ({duration})
    </span>
  );
}

const ROLES: readonly ReviewerRole[] = ['rssi', 'biomedical', 'admin'];

/** What the quorum still lacks, by role, in words ("1 ingénieur biomédical"); empty when reached. */
export function missingApprovals(view: View, quorum: QuorumProgress): string[] {
  if (quorum.reached) return [];
  const parts = ROLES.filter((r) => quorum.needed[r] > quorum.have[r]).map((r) => `${quorum.needed[r] - quorum.have[r]} ${view.t(`role.${r}`)}`);
  const byRole = ROLES.reduce((n, r) => n + Math.max(0, quorum.needed[r] - quorum.have[r]), 0);
  const extra = quorum.needed_total - quorum.have_total - byRole;
  if (extra > 0) parts.push(view.t('access.quorum.anyRole', { n: extra }));
  return parts;
}

export function QuorumSummary({ view, quorum }: { view: View; quorum: QuorumProgress }) {
  const missing = missingApprovals(view, quorum);
  return (
    <span class="quorum">
      {view.t('access.quorum.progress', { have: quorum.have_total, needed: quorum.needed_total })}
      {missing.length === 0 ? (
        <> · {view.t('access.quorum.reached')}</>
      ) : (
        <> · {view.t('access.quorum.missing', { list: missing.join(', ') })}</>
      )}
    </span>
  );
}

export function PostureBadge({ view, posture }: { view: View; posture: PostureGateResult | null }) {
  if (posture === null) return <span class="hint">–</span>;
  return (
    <span>
      <StatusBadge view={view} status={posture.ok ? 'pass' : 'fail'} /> {view.t(posture.ok ? 'access.gate.open' : 'access.gate.closed')}
      {!posture.ok && posture.failing.length > 0 && <span class="hint"> ({posture.failing.map((f) => f.rule_id).join(', ')})</span>}
    </span>
  );
}

/** The gate in full: the gateway, its report's age, why it is closed, every failing rule with its explanation. */
export function PostureDetail({ view, posture }: { view: View; posture: PostureGateResult }) {
  const { t, f, lang } = view;
  return (
    <section aria-labelledby="gate-h">
      <h2 id="gate-h">{t('access.gate.title')}</h2>
      <p>
        <PostureBadge view={view} posture={posture} />{' '}
        {t('access.gate.gateway', { gateway: posture.hostname ?? posture.host_id })}
        {posture.collected_at !== null && <> · {t('access.gate.report', { at: f.dateTime(posture.collected_at), hours: posture.max_age_hours ?? '?' })}</>}
      </p>
      {posture.problem !== null && (
        <p class="notice error" role="note">
          <span aria-hidden="true">✖ </span>
          {posture.problem[lang]}
        </p>
      )}
      {posture.failing.length > 0 && (
        <table>
          <caption>{t('access.gate.failing', { n: posture.failing.length, of: posture.gate_rules })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('access.gate.rule')}</th>
              <th scope="col">{t('access.gate.status')}</th>
              <th scope="col">{t('access.gate.explanation')}</th>
            </tr>
          </thead>
          <tbody>
            {posture.failing.map((r) => (
              <tr>
                <th scope="row">
                  <a href={`/rules/${encodeURIComponent(r.rule_id)}`}>{r.rule_id}</a> {r.title[lang]}
                </th>
                <td>
                  <StatusBadge view={view} status={r.status === 'fail' ? 'fail' : r.status === 'warn' ? 'warn' : 'unknown'} />
                </td>
                <td>{r.explanation[lang]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {posture.warnings.length > 0 && (
        <ul>
          {posture.warnings.map((r) => (
            <li>
              <StatusBadge view={view} status="warn" /> {r.rule_id} {r.title[lang]} : {r.explanation[lang]}
            </li>
          ))}
        </ul>
      )}
      {posture.ok && posture.problem === null && posture.failing.length === 0 && <p class="hint">{t('access.gate.allPass', { n: posture.gate_rules })}</p>}
    </section>
  );
}

/** Emergency (bris de glace) and posture-override markings, shown wherever a request is. */
export function RequestMarks({ view, request, compact = false }: { view: View; request: AccessRequest; compact?: boolean }) {
  const { t } = view;
  return (
    <>
      {request.emergency && (
        <span class="badge expired">
          <span aria-hidden="true">⚡ </span>
          {t('access.mark.emergency')}
          {request.decided_at !== null && (request.countersigned_at === null ? ` · ${t('access.mark.toCountersign')}` : ` · ${t('access.mark.countersigned')}`)}
        </span>
      )}
      {request.posture_override !== null && (
        <>
          {' '}
          <span class="badge soon">
            <span aria-hidden="true">⚠ </span>
            {t('access.mark.override')}
            {!compact && (
              <>
                {' '}
                ({t('access.mark.overrideBy', { by: request.posture_override.by })})
              </>
            )}
          </span>
        </>
      )}
    </>
  );
}

/** A vendor's display name (untrusted text) from its handle; the handle when unknown. */
export function VendorName({ slug, names }: { slug: string | null; names: ReadonlyMap<string, string> }) {
  if (slug === null) return <span class="hint">–</span>;
  return <Untrusted text={names.get(slug) ?? slug} />;
}
