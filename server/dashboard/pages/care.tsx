// Page 13, CaRE / ARS: every CaRE indicator a rule cites, tagged measured / declared / not
// covered (server/dashboard/data/care.ts), with the measured counts linking to the hosts they
// count and the declared verdicts with their explanation. The RSSI declares organisational
// evidence (ORG-01..03: SILENE and ADS audits, crisis exercise, PCA test) and withdraws a mistaken
// declaration here, through the same functions as /api/v1/org and `vigie org` (journalled).
// Printable: the print stylesheet leaves out the menu and the forms.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { declarationInForce, DIRECTORY_ROLES, ORG_DECLARATION_KINDS, type OrgDeclarationInput } from '../../../policies/org-declaration.js';
import { actorOf, principalOf } from '../../auth/guard.js';
import { CSRF_FIELD } from '../../auth/session.js';
import { latestTrendDay } from '../../db/trends.js';
import { ApiError } from '../../errors.js';
import { declareOrgEvidence, OrgDeclarationError, organisationVerdicts, withdrawOrgEvidence } from '../../org/declarations.js';
import type { RouteContext } from '../../routes/context.js';
import { CsrfField, Notice } from '../components/forms.js';
import { Layout } from '../components/layout.js';
import { StatusBadge } from '../components/status.js';
import { Untrusted } from '../components/visible-text.js';
import { careIndicators, declarationState, type CareIndicator, type CareTag } from '../data/care.js';
import { countsByRule, type StatusCounts } from '../data/posture.js';
import { ruleCatalogue } from '../data/rules.js';
import { PAGE_ROLES } from '../nav.js';
import { redirectTo, sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';

const strict = { additionalProperties: false } as const;
const Csrf = Type.Optional(Type.String({ maxLength: 64 }));
const Day = Type.String({ maxLength: 10 });
const OptionalNumber = Type.Optional(Type.String({ maxLength: 3, pattern: '^[0-9]{0,3}$' }));
const DeclareBody = Type.Object(
  {
    [CSRF_FIELD]: Csrf,
    kind: Type.Enum(ORG_DECLARATION_KINDS),
    performed_on: Day,
    expires_on: Day,
    evidence_ref: Type.String({ maxLength: 200 }),
    subject: Type.Optional(Type.String({ maxLength: 200 })),
    directory_role: Type.Optional(Type.Union([Type.Enum(DIRECTORY_ROLES), Type.Literal('')])),
    level: OptionalNumber,
    score: OptionalNumber,
    coverage_percent: OptionalNumber,
  },
  strict,
);
type DeclareForm = Static<typeof DeclareBody>;
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 40, pattern: '^DECL-[0-9A-F]{8}$' }) }, strict);
const WithdrawBody = Type.Object({ [CSRF_FIELD]: Csrf, reason: Type.String({ maxLength: 2000 }) }, strict);
const ListQuery = Type.Object({ declared: Type.Optional(IdParams.properties.id), withdrawn: Type.Optional(IdParams.properties.id) }, strict);

/** A form's fields as the declaration input (empty optional fields left out; numbers parsed). */
function inputOf(form: DeclareForm): OrgDeclarationInput {
  const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
  const text = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : v.trim());
  return {
    kind: form.kind,
    performed_on: form.performed_on,
    expires_on: form.expires_on,
    evidence_ref: form.evidence_ref.trim(),
    subject: text(form.subject),
    directory_role: form.directory_role === undefined || form.directory_role === '' ? null : form.directory_role,
    level: num(form.level),
    score: num(form.score),
    coverage_percent: num(form.coverage_percent),
  };
}

function Tag({ view, tag }: { view: View; tag: CareTag }) {
  const icon = tag === 'measured' ? '◉' : tag === 'declared' ? '✎' : '○';
  return (
    <span class={`badge care-${tag}`}>
      <span aria-hidden="true">{icon} </span>
      {view.t(`care.tag.${tag}`)}
    </span>
  );
}

function Counts({ view, ruleId, counts }: { view: View; ruleId: string; counts: StatusCounts }) {
  const { t, f } = view;
  const link = (status: string, n: number) => <a href={`/hosts?rule=${encodeURIComponent(ruleId)}&status=${status}`}>{f.integer(n)}</a>;
  const [pass, fail, unknown] = [link('pass', counts.pass), link('fail', counts.fail), link('unknown', counts.unknown)];
  // The sentence with its numbers as links (each count leads to the hosts it counts).
  const parts = t('care.counts', { pass: '\u0001', fail: '\u0002', unknown: '\u0003', waived: f.integer(counts.waived) }).split(/([\u0001-\u0003])/);
  return <>{parts.map((p) => (p === '\u0001' ? pass : p === '\u0002' ? fail : p === '\u0003' ? unknown : p))}</>;
}

function IndicatorRow({ view, indicator }: { view: View; indicator: CareIndicator }) {
  const { t, lang } = view;
  return (
    <tr id={`care-${indicator.code}`}>
      <th scope="row">
        <span lang="fr">CaRE {indicator.code}</span>
      </th>
      <td>
        {indicator.tags.map((tag) => (
          <>
            <Tag view={view} tag={tag} />{' '}
          </>
        ))}
      </td>
      <td>
        <ul class="care-rules">
          {indicator.rules.map((r) => (
            <li>
              <a href={r.verdict === null ? `/rules/${encodeURIComponent(r.id)}` : '#decl-h'}>{r.id}</a> {r.title[lang]} — <Tag view={view} tag={r.tag} />
              <br />
              {r.counts !== null ? (
                <Counts view={view} ruleId={r.id} counts={r.counts} />
              ) : r.verdict !== null ? (
                <>
                  <StatusBadge view={view} status={r.verdict.status} /> {r.verdict.explanation[lang]}
                </>
              ) : (
                <span class="hint">{t('care.notJudged')}</span>
              )}
            </li>
          ))}
        </ul>
      </td>
    </tr>
  );
}

function DeclareFormView({ view, form }: { view: View; form?: DeclareForm | undefined }) {
  const { t } = view;
  const opt = t('care.optional');
  return (
    <section aria-labelledby="declare-h" class="no-print">
      <h2 id="declare-h">{t('care.declareTitle')}</h2>
      <p class="hint">{t('care.declareHint')}</p>
      <form method="post" action="/care/declarations" class="stacked narrow">
        <CsrfField view={view} />
        <label for="kind">{t('care.kind')}</label>
        <select id="kind" name="kind" required>
          {ORG_DECLARATION_KINDS.map((k) => (
            <option value={k} selected={form?.kind === k}>
              {t(`care.kind.${k}`)}
            </option>
          ))}
        </select>
        <label for="performed_on">{t('care.performed')}</label>
        <input id="performed_on" name="performed_on" type="date" required value={form?.performed_on ?? ''} />
        <label for="expires_on">{t('care.expires')}</label>
        <input id="expires_on" name="expires_on" type="date" required value={form?.expires_on ?? ''} />
        <label for="evidence_ref">{t('care.evidence')}</label>
        <input id="evidence_ref" name="evidence_ref" required minlength={3} maxlength={200} value={form?.evidence_ref ?? ''} aria-describedby="evidence-hint" />
        <p id="evidence-hint" class="hint">
          {t('care.evidenceHint')}
        </p>
        <label for="subject">{`${t('care.subject')} ${opt}`}</label>
        <input id="subject" name="subject" maxlength={200} value={form?.subject ?? ''} />
        <label for="directory_role">{`${t('care.directoryRole')} ${opt}`}</label>
        <select id="directory_role" name="directory_role">
          <option value="">—</option>
          {DIRECTORY_ROLES.map((r) => (
            <option value={r} selected={form?.directory_role === r}>
              {t(`care.directory.${r}`)}
            </option>
          ))}
        </select>
        <label for="level">{`${t('care.level')} ${opt}`}</label>
        <input id="level" name="level" inputmode="numeric" pattern="[0-9]{0,3}" value={form?.level ?? ''} />
        <label for="score">{`${t('care.score')} ${opt}`}</label>
        <input id="score" name="score" inputmode="numeric" pattern="[1-5]?" value={form?.score ?? ''} />
        <label for="coverage_percent">{`${t('care.coveragePercent')} ${opt}`}</label>
        <input id="coverage_percent" name="coverage_percent" inputmode="numeric" pattern="[0-9]{0,3}" value={form?.coverage_percent ?? ''} />
        <button type="submit">{t('care.declare')}</button>
      </form>
    </section>
  );
}

export const carePages: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  async function render(request: FastifyRequest, outcome: { notice?: { kind: 'success' | 'error'; text: string }; form?: DeclareForm }) {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f } = view;
    const day = await latestTrendDay(ctx.db);
    const [byRule, org] = await Promise.all([day === undefined ? new Map<string, StatusCounts>() : countsByRule(ctx.db, day), organisationVerdicts(ctx.db, now)]);
    const indicators = careIndicators(ruleCatalogue(ctx.packs), byRule, org.verdicts);
    const tally = (tag: CareTag) => indicators.filter((i) => i.tags.includes(tag)).length;
    const isRssi = view.user?.role === 'rssi';
    const declarations = [...org.declarations].sort((a, b) => b.declared_at.localeCompare(a.declared_at));
    return (
      <Layout view={view} title={t('nav.care')} freshness={day === undefined ? null : `${day}T12:00:00Z`}>
        <p>{t('care.intro')}</p>
        <p class="hint">{t('care.scope')}</p>
        <p class="hint no-print">{t('care.print')}</p>
        {outcome.notice !== undefined && <Notice kind={outcome.notice.kind}>{outcome.notice.text}</Notice>}
        <p role="status">
          <strong>{t('care.summary', { measured: tally('measured'), declared: tally('declared'), none: indicators.filter((i) => i.tags.length === 1 && i.tags[0] === 'not_covered').length, n: indicators.length })}</strong>{' '}
          {day === undefined ? t('care.noAudit') : t('care.asOf', { day: f.date(`${day}T12:00:00Z`), now: f.dateTime(now) })}
        </p>
        <table class="care">
          <thead>
            <tr>
              <th scope="col">{t('care.indicator')}</th>
              <th scope="col">{t('care.coverage')}</th>
              <th scope="col">{t('care.rules')}</th>
            </tr>
          </thead>
          <tbody>
            {indicators.map((i) => (
              <IndicatorRow view={view} indicator={i} />
            ))}
          </tbody>
        </table>

        <section aria-labelledby="decl-h">
          <h2 id="decl-h">{t('care.declTitle')}</h2>
          {declarations.length === 0 ? (
            <p>{t('care.declNone')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">{t('care.kind')}</th>
                  <th scope="col">{t('care.performed')}</th>
                  <th scope="col">{t('care.expires')}</th>
                  <th scope="col">{t('care.evidence')}</th>
                  <th scope="col">{t('care.declaredBy')}</th>
                  <th scope="col">{t('care.state')}</th>
                  {isRssi && <th scope="col" class="no-print">{t('care.withdraw')}</th>}
                </tr>
              </thead>
              <tbody>
                {declarations.map((d) => {
                  const state = declarationState(d, declarationInForce(d, now));
                  return (
                    <tr id={`d-${d.id}`}>
                      <td>
                        <code>{d.id}</code>
                      </td>
                      <td>
                        {t(`care.kind.${d.kind}`)} ({d.rule_id}){d.subject !== null && <> — <Untrusted text={d.subject} /></>}
                      </td>
                      <td>{f.date(`${d.performed_on}T12:00:00Z`)}</td>
                      <td>{f.date(`${d.expires_on}T12:00:00Z`)}</td>
                      <td>
                        <Untrusted text={d.evidence_ref} />
                      </td>
                      <td>
                        <Untrusted text={d.declared_by} />
                      </td>
                      <td>
                        <span class={`badge ${state === 'in_force' ? '' : 'expired'}`}>{t(`care.state.${state}`)}</span>
                        {d.withdrawal_reason !== null && (
                          <>
                            {' '}
                            <Untrusted text={d.withdrawal_reason} />
                          </>
                        )}
                      </td>
                      {isRssi && (
                        <td class="no-print">
                          {state !== 'withdrawn' && (
                            <form method="post" action={`/care/declarations/${d.id}/withdraw`} class="stacked">
                              <CsrfField view={view} />
                              <label for={`reason-${d.id}`}>{t('care.withdrawReason', { id: d.id })}</label>
                              <input id={`reason-${d.id}`} name="reason" required minlength={10} maxlength={2000} />
                              <button type="submit">{t('care.withdraw')}</button>
                            </form>
                          )}
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </section>
        {isRssi && <DeclareFormView view={view} form={outcome.form} />}
      </Layout>
    );
  }

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/care',
    { config: { access: { roles: PAGE_ROLES.care, tokens: false } }, schema: { querystring: ListQuery, hide: true } },
    async (request, reply) => {
      const t = viewOf(request, ctx.now()).t;
      const { declared, withdrawn } = request.query;
      const notice = declared !== undefined ? t('care.declared_ok', { id: declared }) : withdrawn !== undefined ? t('care.withdrawn_ok', { id: withdrawn }) : undefined;
      return sendPage(reply, await render(request, notice === undefined ? {} : { notice: { kind: 'success', text: notice } }));
    },
  );

  app.post<{ Body: DeclareForm }>(
    '/care/declarations',
    { config: { access: { roles: ['rssi'], tokens: false } }, bodyLimit: 8192, schema: { body: DeclareBody, hide: true } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind !== 'user') throw new ApiError(403, 'forbidden', 'Sessions only.');
      try {
        const declaration = await declareOrgEvidence(ctx.db, inputOf(request.body), { now: ctx.now(), declaredBy: principal.user.username, actor: actorOf(principal) });
        return redirectTo(reply, `/care?declared=${declaration.id}#d-${declaration.id}`);
      } catch (error) {
        if (!(error instanceof OrgDeclarationError)) throw error;
        const t = viewOf(request, ctx.now()).t;
        return sendPage(reply, await render(request, { notice: { kind: 'error', text: t('care.refused', { reason: error.message }) }, form: request.body }), 400);
      }
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof WithdrawBody> }>(
    '/care/declarations/:id/withdraw',
    { config: { access: { roles: ['rssi'], tokens: false } }, schema: { params: IdParams, body: WithdrawBody, hide: true } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind !== 'user') throw new ApiError(403, 'forbidden', 'Sessions only.');
      try {
        await withdrawOrgEvidence(ctx.db, request.params.id, { reason: request.body.reason, by: principal.user.username }, { now: ctx.now(), actor: actorOf(principal) });
        return redirectTo(reply, `/care?withdrawn=${request.params.id}`);
      } catch (error) {
        if (!(error instanceof OrgDeclarationError)) throw error;
        if (error.code === 'not_found') throw new ApiError(404, 'not_found', error.message);
        const t = viewOf(request, ctx.now()).t;
        return sendPage(reply, await render(request, { notice: { kind: 'error', text: t('care.refused', { reason: error.message }) } }), error.code === 'already_withdrawn' ? 409 : 400);
      }
    },
  );
};
