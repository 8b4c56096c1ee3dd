// One row of page 9's request list: when, target and site, vendor, requester, window in force,
// state with its markings, quorum progress, the gateway's gate (not for vendors), and the link.
import type { AccessListRow } from '../data/access-requests.js';
import type { View } from '../view.js';
import { PostureBadge, QuorumSummary, RequestMarks, StateBadge, VendorName, WindowText } from './access-parts.js';
import { Untrusted } from './visible-text.js';

export const ACCESS_LIST_COLUMNS = ['created', 'target', 'vendor', 'requester', 'window', 'state', 'quorum', 'posture', 'open'] as const;

export function AccessPostureRow({ view, row, names, isVendor }: { view: View; row: AccessListRow; names: ReadonlyMap<string, string>; isVendor: boolean }) {
  const { t, f } = view;
  const r = row.request;
  const open = r.state === 'pending' || r.state === 'approved' || r.state === 'active';
  return (
    <tr id={`r-${r.request_id}`}>
      <td>
        <time datetime={r.created_at}>{f.dateTime(r.created_at)}</time>
      </td>
      <td>
        {r.target} <span class="hint">({r.site})</span>
      </td>
      {!isVendor && (
        <td>
          <VendorName slug={r.vendor} names={names} />
        </td>
      )}
      <td>
        <Untrusted text={r.requester} />
      </td>
      <td>
        <WindowText view={view} from={r.not_before} to={r.not_after} />
      </td>
      <td>
        <StateBadge view={view} state={r.state} /> <RequestMarks view={view} request={r} compact />
      </td>
      <td>{r.state === 'pending' || r.decided_at !== null ? <QuorumSummary view={view} quorum={row.quorum} /> : <span class="hint">–</span>}</td>
      {!isVendor && <td>{open ? <PostureBadge view={view} posture={row.posture} /> : <span class="hint">–</span>}</td>}
      <td>
        <a href={`/access/requests/${r.request_id}`} aria-label={t('access.openLabel', { target: r.target, at: f.dateTime(r.created_at) })}>
          {t('access.open')}
        </a>
      </td>
    </tr>
  );
}
