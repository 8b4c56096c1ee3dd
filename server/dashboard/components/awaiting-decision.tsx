// The overview's "awaiting your decision" section: how many access requests wait for the reader,
// and a link to each (the most pressing first), for the roles that review. Requester and vendor
// names are shown as untrusted text.
import type { AwaitingDecision } from '../data/awaiting-decision.js';
import type { View } from '../view.js';
import { WindowText } from './access-parts.js';
import { Untrusted } from './visible-text.js';

export function AwaitingDecisionSection({ view, awaiting }: { view: View; awaiting: AwaitingDecision }) {
  const { t, f } = view;
  return (
    <section aria-labelledby="awaiting-h" id="awaiting">
      <h2 id="awaiting-h">{t('overview.awaitingTitle')}</h2>
      {awaiting.total === 0 ? (
        <p role="status">{t('overview.awaitingNone')}</p>
      ) : (
        <>
          <p class="big-line" role="status">
            <span class="big">{f.integer(awaiting.total)}</span> {t('overview.awaitingCount')}
          </p>
          <p class="hint">{t('overview.awaitingHint')}</p>
          <table>
            <caption class="hint">{t('overview.awaitingCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('overview.col.decision')}</th>
                <th scope="col">{t('access.col.target')}</th>
                <th scope="col">{t('access.col.vendor')}</th>
                <th scope="col">{t('access.col.requester')}</th>
                <th scope="col">{t('access.col.window')}</th>
                <th scope="col">{t('overview.col.due')}</th>
                <th scope="col">{t('access.col.open')}</th>
              </tr>
            </thead>
            <tbody>
              {awaiting.requests.map((r) => (
                <tr id={`await-${r.request_id}`}>
                  <td>
                    {t(`overview.decision.${r.decision}`)}
                    {r.emergency && r.decision === 'review' && <span class="hint"> · {t('access.mark.emergency')}</span>}
                  </td>
                  <td>
                    {r.target} <span class="hint">({r.site})</span>
                  </td>
                  <td>{r.vendor === null ? <span class="hint">–</span> : <Untrusted text={r.vendor} />}</td>
                  <td>
                    <Untrusted text={r.requester} />
                  </td>
                  <td>
                    <WindowText view={view} from={r.not_before} to={r.not_after} />
                  </td>
                  <td>
                    <time datetime={r.due}>{t('overview.due', { at: f.dateTime(r.due) })}</time>
                  </td>
                  <td>
                    <a href={`/access/requests/${r.request_id}`} aria-label={t('access.openLabel', { target: r.target, at: f.dateTime(r.not_before) })}>
                      {t('access.open')}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {awaiting.total > awaiting.requests.length && (
            <p>
              {t('overview.awaitingMore', { shown: f.integer(awaiting.requests.length) })} <a href="/access?state=pending">{t('access.state.pending')}</a>
            </p>
          )}
        </>
      )}
    </section>
  );
}
