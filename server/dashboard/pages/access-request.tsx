// Page 9, one access request: target, vendor, requester, requested window and window in force,
// justification, emergency and posture-override markings, reviews so far, quorum still missing by
// role, the gateway's posture gate with its failing rules and their explanations, and the
// timeline (its audit-log entries). The forms act through the access domain (the same functions as
// the API and the CLI, so the same rules, throttle and audit entries): review (approve / deny with
// a fresh TOTP code, window shortened or start moved later, override of a closed gate with a
// written justification), countersign an emergency, revoke a grant, cancel one's own request.
// Where a form is absent, the page says why (the requester never reviews: the server refuses too).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { isReviewerRole, type AccessRequest, type AccessReview, type Target } from '../../access/model.js';
import { checkPostureGate, type PostureGateResult } from '../../access/posture-gate.js';
import { listReviews } from '../../access/requests-store.js';
import { quorumProgress, type QuorumProgress } from '../../access/review-rules.js';
import { timelineOf } from '../../access/routes.js';
import { findTarget } from '../../access/targets-store.js';
import { cancelRequest, reviewRequest, revokeRequest, visibleRequest, type AccessActor } from '../../access/transitions.js';
import { findVendorBySlug } from '../../access/vendors-store.js';
import { CSRF_FIELD } from '../../auth/session.js';
import { ApiError } from '../../errors.js';
import { PostureDetail, QuorumSummary, RequestMarks, StateBadge, WindowText, missingApprovals } from '../components/access-parts.js';
import { CsrfField, Notice } from '../components/forms.js';
import { Layout } from '../components/layout.js';
import { Untrusted, visible } from '../components/visible-text.js';
import { parisLocalMinute, parisLocalToInstant } from '../data/paris-local.js';
import { CATALOGUE, type MessageKey } from '../i18n/catalogue.js';
import { PAGE_ROLES } from '../nav.js';
import { redirectTo, sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';
import { accessActorOf, accessDepsOf, type AccessPageContext } from './access-context.js';

const strict = { additionalProperties: false } as const;
const Csrf = Type.Optional(Type.String({ maxLength: 64 }));
const IdParams = Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }) }, strict);
const DONE = ['approved', 'reviewed', 'denied', 'countersigned', 'revoked', 'cancelled', 'created'] as const;
const DetailQuery = Type.Object({ done: Type.Optional(Type.Enum(DONE)) }, strict);
const ReviewBody = Type.Object(
  {
    [CSRF_FIELD]: Csrf,
    decision: Type.Optional(Type.Union([Type.Literal('approve'), Type.Literal('deny')])),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
    totp_code: Type.String({ maxLength: 16 }),
    not_before: Type.Optional(Type.String({ maxLength: 20 })),
    not_after: Type.Optional(Type.String({ maxLength: 20 })),
    override_justification: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  strict,
);
const CountersignBody = Type.Object({ [CSRF_FIELD]: Csrf, comment: Type.Optional(Type.String({ maxLength: 2000 })), totp_code: Type.String({ maxLength: 16 }) }, strict);
const ReasonBody = Type.Object({ [CSRF_FIELD]: Csrf, reason: Type.Optional(Type.String({ maxLength: 2000 })) }, strict);
type ReviewBody = Static<typeof ReviewBody>;

/** A refusal in the reader's language: the catalogue's wording of its code, else the domain's own (English) message. */
export function refusalText(view: View, error: ApiError): string {
  const key = `access.error.${error.code}`;
  return view.t(key in CATALOGUE ? (key as MessageKey) : 'access.error.other', { reason: error.message });
}

const isReviewer = (who: AccessActor) => isReviewerRole(who.role);

interface Outcome {
  status?: number;
  notice?: { kind: 'success' | 'error' | 'info'; text: string };
  /** What the reviewer typed, kept when the review is refused (never the TOTP code). */
  review?: Omit<ReviewBody, 'totp_code' | typeof CSRF_FIELD>;
  focus?: 'review' | 'countersign' | 'revoke' | 'cancel';
}

interface Detail {
  request: AccessRequest;
  reviews: AccessReview[];
  quorum: QuorumProgress;
  target: Target | undefined;
  vendorName: string | null;
  posture: PostureGateResult | null;
}

async function loadDetail(ctx: AccessPageContext, who: AccessActor, id: string, now: Date): Promise<Detail> {
  const request = await visibleRequest(ctx.db, who, id);
  const reviews = await listReviews(ctx.db, id);
  const target = await findTarget(ctx.db, { target_id: request.target_id });
  const vendor = request.vendor === null ? undefined : await findVendorBySlug(ctx.db, request.vendor);
  const open = request.state === 'pending' || request.state === 'approved' || request.state === 'active';
  // Vendors are not shown the gateway's posture (as the API answers them).
  const posture = who.role !== 'vendor' && open && target !== undefined ? await checkPostureGate(ctx, target.gateway_host_id, now) : null;
  const quorum = quorumProgress(request.quorum, reviews.filter((r) => r.decision === 'approve').map((r) => r.reviewer_role), request.posture_override !== null);
  return { request, reviews, quorum, target, vendorName: vendor?.name ?? null, posture };
}

function Facts({ view, d }: { view: View; d: Detail }) {
  const { t, f } = view;
  const r = d.request;
  const changed = r.not_before !== r.requested_not_before || r.not_after !== r.requested_not_after;
  const grant = r.state === 'approved' || r.state === 'active';
  return (
    <dl class="facts">
      <dt>{t('access.col.state')}</dt>
      <dd>
        <StateBadge view={view} state={r.state} /> <RequestMarks view={view} request={r} />
      </dd>
      <dt>{t('access.col.target')}</dt>
      <dd>
        {r.target} · {t('access.detail.site', { site: r.site })}
        {d.target !== undefined && (
          <>
            {' '}
            · {t(`access.class.${d.target.device_class}` as MessageKey)} · {t('access.detail.channels', { list: channelList(view, d.target) })}
          </>
        )}
      </dd>
      <dt>{t('access.col.vendor')}</dt>
      <dd>{r.vendor === null ? t('access.detail.noVendor') : <Untrusted text={d.vendorName ?? r.vendor} />}</dd>
      <dt>{t('access.col.requester')}</dt>
      <dd>
        <Untrusted text={r.requester} />
      </dd>
      <dt>{t('access.detail.ticket')}</dt>
      <dd>
        <Untrusted text={r.ticket} />
      </dd>
      <dt>{t('access.detail.requested')}</dt>
      <dd>
        <WindowText view={view} from={r.requested_not_before} to={r.requested_not_after} />
      </dd>
      <dt>{grant ? t('access.detail.grant') : t('access.detail.inForce')}</dt>
      <dd>
        <WindowText view={view} from={r.not_before} to={r.not_after} />
        {changed && <span class="hint"> {t('access.detail.narrowed')}</span>}
        {grant && <> · {t(r.state === 'active' ? 'access.detail.grantActive' : 'access.detail.grantApproved')}</>}
      </dd>
      {r.state === 'pending' && (
        <>
          <dt>{t('access.detail.deadline')}</dt>
          <dd>{f.dateTime(r.review_deadline)}</dd>
        </>
      )}
      {r.first_connect_deadline !== null && r.state === 'approved' && (
        <>
          <dt>{t('access.detail.firstConnect')}</dt>
          <dd>{f.dateTime(r.first_connect_deadline)}</dd>
        </>
      )}
      <dt>{t('access.detail.created')}</dt>
      <dd>{f.dateTime(r.created_at)}</dd>
      {r.decided_at !== null && (
        <>
          <dt>{t('access.detail.decided')}</dt>
          <dd>{f.dateTime(r.decided_at)}</dd>
        </>
      )}
      {r.first_session_at !== null && (
        <>
          <dt>{t('access.detail.firstSession')}</dt>
          <dd>{f.dateTime(r.first_session_at)}</dd>
        </>
      )}
      {r.ended_at !== null && (
        <>
          <dt>{t('access.detail.ended')}</dt>
          <dd>
            {f.dateTime(r.ended_at)}
            {r.end_reason !== null && (
              <>
                {' '}
                — <ReasonText view={view} reason={r.end_reason} fromSystem={r.state === 'expired' || r.state === 'closed' || r.state === 'cancelled'} />
              </>
            )}
          </dd>
        </>
      )}
    </dl>
  );
}

function channelList(view: View, target: Target): string {
  const c = target.channels;
  const list = [c.shell ? 'shell' : null, c.exec ? 'exec' : null, c.sftp ? 'sftp' : null, c.direct_tcpip_ports.length > 0 ? `tcp ${c.direct_tcpip_ports.join(', ')}` : null].filter((x) => x !== null);
  return list.length === 0 ? view.t('access.detail.noChannel') : list.join(', ');
}

function Marks({ view, r }: { view: View; r: AccessRequest }) {
  const { t, f } = view;
  return (
    <>
      {r.emergency && (
        <section aria-labelledby="emergency-h" class="notice error">
          <h2 id="emergency-h">
            <span aria-hidden="true">⚡ </span>
            {t('access.emergency.title')}
          </h2>
          <p>{t('access.emergency.rules')}</p>
          {r.decided_at !== null &&
            (r.countersigned_at !== null ? (
              <p>{t('access.emergency.countersigned', { by: r.countersigned_by ?? '?', at: f.dateTime(r.countersigned_at) })}</p>
            ) : Date.parse(r.decided_at) + 24 * 3600_000 > view.now.getTime() ? (
              <p>{t('access.emergency.due', { at: f.dateTime(new Date(Date.parse(r.decided_at) + 24 * 3600_000)) })}</p>
            ) : (
              <p>{t('access.emergency.late')}</p>
            ))}
        </section>
      )}
      {r.posture_override !== null && (
        <section aria-labelledby="override-h" class="notice error">
          <h2 id="override-h">
            <span aria-hidden="true">⚠ </span>
            {t('access.override.title')}
          </h2>
          <p>{t('access.override.by', { by: r.posture_override.by, at: f.dateTime(r.posture_override.at), rules: r.posture_override.failing_rules.join(', ') })}</p>
          <blockquote>
            <Untrusted text={r.posture_override.justification} />
          </blockquote>
          <p class="hint">{t('access.override.extra')}</p>
        </section>
      )}
    </>
  );
}

function Reviews({ view, reviews }: { view: View; reviews: AccessReview[] }) {
  const { t, f } = view;
  return (
    <section aria-labelledby="reviews-h">
      <h2 id="reviews-h">{t('access.reviews.title')}</h2>
      {reviews.length === 0 ? (
        <p>{t('access.reviews.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('access.reviews.who')}</th>
              <th scope="col">{t('access.reviews.decision')}</th>
              <th scope="col">{t('access.reviews.window')}</th>
              <th scope="col">{t('access.reviews.comment')}</th>
              <th scope="col">{t('access.reviews.at')}</th>
            </tr>
          </thead>
          <tbody>
            {reviews.map((r) => (
              <tr>
                <th scope="row">
                  <Untrusted text={r.reviewer} /> <span class="hint">({t(`role.${r.reviewer_role}` as MessageKey)})</span>
                </th>
                <td>
                  <span aria-hidden="true">{r.decision === 'approve' ? '✔ ' : r.decision === 'deny' ? '✖ ' : '✍ '}</span>
                  {t(`access.decision.${r.decision}`)}
                </td>
                <td>{r.not_before !== null && r.not_after !== null ? <WindowText view={view} from={r.not_before} to={r.not_after} /> : '–'}</td>
                <td>{r.comment === '' ? '–' : <Untrusted text={r.comment} />}</td>
                <td>{f.dateTime(r.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function QuorumTable({ view, quorum }: { view: View; quorum: QuorumProgress }) {
  const { t } = view;
  const roles = (['rssi', 'biomedical', 'admin'] as const).filter((r) => quorum.needed[r] > 0 || quorum.have[r] > 0);
  const missing = missingApprovals(view, quorum);
  return (
    <section aria-labelledby="quorum-h">
      <h2 id="quorum-h">{t('access.quorum.title')}</h2>
      <p>
        <QuorumSummary view={view} quorum={quorum} />
      </p>
      {roles.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('access.quorum.role')}</th>
              <th scope="col" class="num">
                {t('access.quorum.needed')}
              </th>
              <th scope="col" class="num">
                {t('access.quorum.have')}
              </th>
            </tr>
          </thead>
          <tbody>
            {roles.map((r) => (
              <tr>
                <th scope="row">{t(`role.${r}`)}</th>
                <td class="num">{quorum.needed[r]}</td>
                <td class="num">{quorum.have[r]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {missing.length > 0 && quorum.needed_total > roles.reduce((n, r) => n + quorum.needed[r], 0) && <p class="hint">{t('access.quorum.totalHint', { n: quorum.needed_total })}</p>}
    </section>
  );
}

function TotpField({ view, id }: { view: View; id: string }) {
  return (
    <>
      <label for={id}>{view.t('access.form.totp')}</label>
      <input id={id} name="totp_code" required inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength={6} size={8} aria-describedby={`${id}-hint`} />
      <p id={`${id}-hint`} class="hint">
        {view.t('access.form.totpHint')}
      </p>
    </>
  );
}

function ReviewForm({ view, d, outcome }: { view: View; d: Detail; outcome: Outcome }) {
  const { t } = view;
  const r = d.request;
  const typed = outcome.review ?? {};
  const gateClosed = d.posture !== null && !d.posture.ok && r.posture_override === null;
  const min = parisLocalMinute(r.not_before);
  const max = parisLocalMinute(r.not_after);
  return (
    <section aria-labelledby="review-h">
      <h2 id="review-h">{t('access.review.title')}</h2>
      <form method="post" action={`/access/requests/${r.request_id}/review`} class="stacked narrow">
        <CsrfField view={view} />
        <fieldset>
          <legend>{t('access.review.decision')}</legend>
          <label>
            <input type="radio" name="decision" value="approve" required checked={typed.decision === 'approve'} /> {t('access.review.approve')}
          </label>
          <label>
            <input type="radio" name="decision" value="deny" required checked={typed.decision === 'deny'} /> {t('access.review.deny')}
          </label>
        </fieldset>
        <label for="review-comment">{t('access.review.comment')}</label>
        <textarea id="review-comment" name="comment" rows={3} maxlength={2000} aria-describedby="review-comment-hint">
          {typed.comment ?? ''}
        </textarea>
        <p id="review-comment-hint" class="hint">
          {t('access.review.commentHint')}
        </p>
        <fieldset>
          <legend>{t('access.review.window')}</legend>
          <p class="hint" id="review-window-hint">
            {t('access.review.windowHint')}
          </p>
          <label for="review-start">{t('access.form.start')}</label>
          <input id="review-start" name="not_before" type="datetime-local" min={min} max={max} value={typed.not_before ?? min} aria-describedby="review-window-hint" />
          <label for="review-end">{t('access.form.end')}</label>
          <input id="review-end" name="not_after" type="datetime-local" min={min} max={max} value={typed.not_after ?? max} aria-describedby="review-window-hint" />
        </fieldset>
        {gateClosed && (
          <>
            <label for="review-override">{t('access.review.override')}</label>
            <textarea id="review-override" name="override_justification" rows={3} maxlength={2000} aria-describedby="review-override-hint">
              {typed.override_justification ?? ''}
            </textarea>
            <p id="review-override-hint" class="hint">
              {t('access.review.overrideHint')}
            </p>
          </>
        )}
        <TotpField view={view} id="review-totp" />
        <button type="submit">{t('access.review.submit')}</button>
      </form>
    </section>
  );
}

function Actions({ view, d, who, outcome }: { view: View; d: Detail; who: AccessActor; outcome: Outcome }) {
  const { t } = view;
  const r = d.request;
  const mine = r.requester_id === who.user_id;
  const reviewed = d.reviews.some((x) => x.reviewer_id === who.user_id);
  const reviewer = isReviewer(who);
  const canCountersign = reviewer && !mine && !reviewed && r.emergency && r.decided_at !== null && r.countersigned_at === null && ['approved', 'active', 'closed', 'revoked', 'expired'].includes(r.state);
  const parts = [];
  if (reviewer && r.state === 'pending') {
    if (mine) parts.push(<p class="notice info" role="note">{t('access.why.selfReview')}</p>);
    else if (reviewed) parts.push(<p class="notice info" role="note">{t('access.why.reviewed')}</p>);
    else parts.push(<ReviewForm view={view} d={d} outcome={outcome} />);
  } else if (!reviewer && who.role !== 'vendor' && r.state === 'pending') {
    parts.push(<p class="hint">{t('access.why.notReviewer', { role: t(`role.${who.role}`) })}</p>);
  }
  if (r.emergency && r.decided_at !== null && r.countersigned_at === null && reviewer) {
    if (canCountersign) {
      parts.push(
        <section aria-labelledby="countersign-h">
          <h2 id="countersign-h">{t('access.countersign.title')}</h2>
          <p class="hint">{t('access.countersign.hint')}</p>
          <form method="post" action={`/access/requests/${r.request_id}/countersign`} class="stacked narrow">
            <CsrfField view={view} />
            <label for="countersign-comment">{t('access.review.comment')}</label>
            <textarea id="countersign-comment" name="comment" rows={2} maxlength={2000} />
            <TotpField view={view} id="countersign-totp" />
            <button type="submit">{t('access.countersign.submit')}</button>
          </form>
        </section>,
      );
    } else parts.push(<p class="notice info" role="note">{t(mine ? 'access.why.selfCountersign' : 'access.why.countersignOther')}</p>);
  }
  if (reviewer && (r.state === 'approved' || r.state === 'active')) {
    parts.push(
      <section aria-labelledby="revoke-h">
        <h2 id="revoke-h">{t('access.revoke.title')}</h2>
        <p class="hint">{t('access.revoke.hint')}</p>
        <form method="post" action={`/access/requests/${r.request_id}/revoke`} class="stacked narrow">
          <CsrfField view={view} />
          <label for="revoke-reason">{t('access.revoke.reason')}</label>
          <textarea id="revoke-reason" name="reason" rows={2} maxlength={2000} required />
          <button type="submit">{t('access.revoke.submit')}</button>
        </form>
      </section>,
    );
  }
  if (mine && (r.state === 'pending' || r.state === 'approved')) {
    parts.push(
      <section aria-labelledby="cancel-h">
        <h2 id="cancel-h">{t('access.cancel.title')}</h2>
        <form method="post" action={`/access/requests/${r.request_id}/cancel`} class="stacked narrow">
          <CsrfField view={view} />
          <label for="cancel-reason">{t('access.cancel.reason')}</label>
          <textarea id="cancel-reason" name="reason" rows={2} maxlength={2000} />
          <button type="submit">{t('access.cancel.submit')}</button>
        </form>
      </section>,
    );
  }
  return <>{parts}</>;
}

const ACTION_KEYS: Record<string, MessageKey> = {
  'access.requested': 'access.action.requested',
  'access.emergency_requested': 'access.action.emergency_requested',
  'access.review_approved': 'access.action.review_approved',
  'access.approved': 'access.action.approved',
  'access.denied': 'access.action.denied',
  'access.review_refused': 'access.action.review_refused',
  'access.countersigned': 'access.action.countersigned',
  'access.cancelled': 'access.action.cancelled',
  'access.revoked': 'access.action.revoked',
  'access.activated': 'access.action.activated',
  'access.closed': 'access.action.closed',
  'access.expired': 'access.action.expired',
};

/** The domain's own words (refusal codes, clock and bastion reasons) in the reader's language. */
const SYSTEM_REASONS: Record<string, MessageKey> = {
  self_approval: 'access.sysReason.self_approval',
  posture_gate: 'access.sysReason.posture_gate',
  window_extension_refused: 'access.sysReason.window_extension_refused',
  invalid_window: 'access.sysReason.invalid_window',
  not_pending: 'access.sysReason.not_pending',
  already_reviewed: 'access.sysReason.already_reviewed',
  not_a_reviewer: 'access.sysReason.not_a_reviewer',
  'first session': 'access.sysReason.first_session',
  'window over before the quorum was reached': 'access.sysReason.quorum_too_late',
  'review deadline passed': 'access.sysReason.deadline',
  'window ended': 'access.sysReason.window_ended',
  'window ended, never used': 'access.sysReason.window_ended_unused',
  'no session before the first-connect deadline': 'access.sysReason.no_first_session',
  'cancelled by the requester': 'access.sysReason.cancelled',
};

/** A reason as the reader should see it: the domain's own words translated, a person's words as untrusted text. */
export function ReasonText({ view, reason, fromSystem }: { view: View; reason: string; fromSystem: boolean }) {
  const key = SYSTEM_REASONS[reason];
  return fromSystem && key !== undefined ? <>{view.t(key)}</> : <Untrusted text={reason} />;
}

interface JournalWindow {
  not_before: string;
  not_after: string;
}
const isWindow = (v: unknown): v is JournalWindow =>
  typeof v === 'object' && v !== null && typeof (v as JournalWindow).not_before === 'string' && typeof (v as JournalWindow).not_after === 'string';

function Timeline({ view, entries, detailed }: { view: View; entries: Awaited<ReturnType<typeof timelineOf>>; detailed: boolean }) {
  const { t, f } = view;
  return (
    <section aria-labelledby="timeline-h">
      <h2 id="timeline-h">{t('access.timeline.title')}</h2>
      <ol class="timeline">
        {entries.map((e) => {
          const details = (typeof e.details === 'object' && e.details !== null ? e.details : {}) as Record<string, unknown>;
          const reason = typeof details.reason === 'string' ? details.reason : null;
          const key = ACTION_KEYS[e.action];
          // Refusal codes, the clock's and the bastion's reasons and the default cancel text are the system's words.
          const fromSystem = e.action === 'access.review_refused' || e.action === 'access.cancelled' || e.actor.includes(':');
          const override = typeof details.posture_override === 'object' && details.posture_override !== null ? (details.posture_override as { justification?: unknown }) : null;
          const before = details.window_before;
          const after = details.window_after;
          const moved = isWindow(before) && isWindow(after) && (before.not_before !== after.not_before || before.not_after !== after.not_after);
          return (
            <li>
              <time datetime={e.at}>{f.dateTime(e.at)}</time> — {key === undefined ? <code>{e.action}</code> : t(key)} — <Untrusted text={e.actor} />
              {detailed && reason !== null && (
                <>
                  {' '}
                  : <ReasonText view={view} reason={reason} fromSystem={fromSystem} />
                </>
              )}
              {moved && (
                <>
                  {' '}
                  · {t('access.timeline.window')}
                  <WindowText view={view} from={after.not_before} to={after.not_after} />
                </>
              )}
              {override !== null && typeof override.justification === 'string' && (
                <>
                  {' '}
                  · <span aria-hidden="true">⚠ </span>
                  {t('access.timeline.override')}
                  <Untrusted text={override.justification} />
                </>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

export const accessRequestPages: FastifyPluginAsync<AccessPageContext> = async (app, ctx) => {
  const READ = { config: { access: { roles: PAGE_ROLES.access, tokens: false } } } as const;
  const REVIEW = { config: { access: { roles: PAGE_ROLES.accessReviewers, tokens: false } } } as const;
  const REQUEST = { config: { access: { roles: PAGE_ROLES.accessRequesters, tokens: false } } } as const;

  async function render(request: FastifyRequest, id: string, outcome: Outcome) {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t } = view;
    const who = accessActorOf(request);
    const d = await loadDetail(ctx, who, id, now);
    const timeline = await timelineOf(ctx.db, id);
    const auditReader = (PAGE_ROLES.auditLog as readonly string[]).includes(who.role);
    return (
      <Layout view={view} title={t('access.detail.title', { target: d.request.target })} freshness={now}>
        <p>
          <a href="/access">{t('access.back')}</a>
        </p>
        {outcome.notice !== undefined && <Notice kind={outcome.notice.kind}>{outcome.notice.text}</Notice>}
        <Facts view={view} d={d} />
        <Marks view={view} r={d.request} />
        <section aria-labelledby="reason-h">
          <h2 id="reason-h">{t('access.detail.reason')}</h2>
          <p class="justification">
            <Untrusted text={d.request.reason} />
          </p>
        </section>
        <QuorumTable view={view} quorum={d.quorum} />
        {d.posture !== null && <PostureDetail view={view} posture={d.posture} />}
        <Reviews view={view} reviews={d.reviews} />
        <Actions view={view} d={d} who={who} outcome={outcome} />
        <Timeline view={view} entries={timeline} detailed={who.role !== 'vendor'} />
        {auditReader && (
          <p class="hint">
            <a href={`/audit-log?target=${encodeURIComponent(`access_request:${id}`)}`}>{t('access.timeline.journal')}</a>
          </p>
        )}
      </Layout>
    );
  }

  async function refused(request: FastifyRequest, reply: FastifyReply, id: string, error: unknown, outcome: Outcome = {}) {
    // 404 (not visible) and server errors go to the error pages.
    if (!(error instanceof ApiError) || error.statusCode >= 500 || error.statusCode === 404) throw error;
    const view = viewOf(request, ctx.now());
    return sendPage(reply, await render(request, id, { ...outcome, notice: { kind: 'error', text: refusalText(view, error) } }), error.statusCode);
  }

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof DetailQuery> }>(
    '/access/requests/:id',
    { ...READ, schema: { params: IdParams, querystring: DetailQuery, hide: true } },
    async (request, reply) => {
      const done = request.query.done;
      const t = viewOf(request, ctx.now()).t;
      return sendPage(reply, await render(request, request.params.id, done === undefined ? {} : { notice: { kind: 'success', text: t(`access.done.${done}`) } }));
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: ReviewBody }>(
    '/access/requests/:id/review',
    { ...REVIEW, bodyLimit: 16 * 1024, schema: { params: IdParams, body: ReviewBody, hide: true } },
    async (request, reply) => {
      const { id } = request.params;
      const { totp_code, [CSRF_FIELD]: _csrf, ...typed } = request.body;
      const who = accessActorOf(request);
      try {
        if (typed.decision === undefined) throw new ApiError(400, 'decision_required', 'Choose approve or deny.');
        const current = await visibleRequest(ctx.db, who, id);
        // Minute precision on the page: a field left at the window's own minute changes nothing.
        const bound = (value: string | undefined, inForce: string): string | undefined => {
          if (value === undefined || value.trim() === '' || value === parisLocalMinute(inForce)) return undefined;
          const instant = parisLocalToInstant(value);
          if (instant === null) throw new ApiError(400, 'invalid_window', `Not a Paris date and time: ${visible(value).slice(0, 20)}.`);
          return instant.toISOString();
        };
        const outcome = await reviewRequest(
          accessDepsOf(ctx, request),
          who,
          id,
          {
            decision: typed.decision,
            comment: typed.comment ?? '',
            totp_code: totp_code.trim(),
            not_before: typed.decision === 'approve' ? bound(typed.not_before, current.not_before) : undefined,
            not_after: typed.decision === 'approve' ? bound(typed.not_after, current.not_after) : undefined,
            override_justification: typed.override_justification?.trim() === '' ? undefined : typed.override_justification,
          },
          request.ip,
          ctx.now(),
        );
        const done = typed.decision === 'deny' ? 'denied' : outcome.request.state === 'approved' ? 'approved' : 'reviewed';
        return redirectTo(reply, `/access/requests/${id}?done=${done}`);
      } catch (error) {
        return refused(request, reply, id, error, { review: typed, focus: 'review' });
      }
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof CountersignBody> }>(
    '/access/requests/:id/countersign',
    { ...REVIEW, schema: { params: IdParams, body: CountersignBody, hide: true } },
    async (request, reply) => {
      const { id } = request.params;
      try {
        await reviewRequest(accessDepsOf(ctx, request), accessActorOf(request), id, { decision: 'countersign', comment: request.body.comment ?? '', totp_code: request.body.totp_code.trim() }, request.ip, ctx.now());
        return redirectTo(reply, `/access/requests/${id}?done=countersigned`);
      } catch (error) {
        return refused(request, reply, id, error, { focus: 'countersign' });
      }
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ReasonBody> }>(
    '/access/requests/:id/revoke',
    { ...REVIEW, schema: { params: IdParams, body: ReasonBody, hide: true } },
    async (request, reply) => {
      const { id } = request.params;
      try {
        await revokeRequest(accessDepsOf(ctx, request), accessActorOf(request), id, request.body.reason ?? '', ctx.now());
        return redirectTo(reply, `/access/requests/${id}?done=revoked`);
      } catch (error) {
        return refused(request, reply, id, error, { focus: 'revoke' });
      }
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ReasonBody> }>(
    '/access/requests/:id/cancel',
    { ...REQUEST, schema: { params: IdParams, body: ReasonBody, hide: true } },
    async (request, reply) => {
      const { id } = request.params;
      try {
        await cancelRequest(accessDepsOf(ctx, request), accessActorOf(request), id, request.body.reason ?? '', ctx.now());
        return redirectTo(reply, `/access/requests/${id}?done=cancelled`);
      } catch (error) {
        return refused(request, reply, id, error, { focus: 'cancel' });
      }
    },
  );
};
