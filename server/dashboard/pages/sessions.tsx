// Page 10, Séances: live bastion sessions with "cut now", past sessions with how each ended, and a
// session's page: its signed recording's verification, files with size and SHA-256 (download),
// playback with asciinema-player (markers: approval, warnings, cut) and the text transcript with
// search; for a live session, a read-only live view of what the device shows (server-sent events
// of the API, read by a static script into a text-only <pre>). Only the session page widens the
// CSP, by 'wasm-unsafe-eval' (the player's terminal is WebAssembly); the player is started by a
// static script, never inline.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from 'typebox';
import { appendAuditEvent } from '../../auditlog/auditlog.js';
import { actorOf, principalOf } from '../../auth/guard.js';
import { findBastionSession, listBastionSessions, requestBastionCut, type BastionSessionRecord } from '../../db/bastion-sessions.js';
import { ApiError } from '../../errors.js';
import { defaultBastionRouteDeps } from '../../bastion/route-deps.js';
import type { RecordingCheck } from '../../bastion/recordings.js';
import type { RouteContext } from '../../routes/context.js';
import { CsrfField, Notice } from '../components/forms.js';
import { Layout } from '../components/layout.js';
import { playbackCsp, playbackHead, reasonText, reasonTexts, RecordingBadge, recordingCheckOf, recordingContentOf, RecordingSection } from '../components/session-recording.js';
import { PAGE_ROLES } from '../nav.js';
import { redirectTo, sendPage } from '../render.js';
import { asset } from '../static-assets.js';
import { viewOf, type View } from '../view.js';

const IdParams = Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }) }, { additionalProperties: false });
const ListQuery = Type.Object({ notice: Type.Optional(Type.Union([Type.Literal('cut'), Type.Literal('gone')])) }, { additionalProperties: false });
const SessionQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
function SessionRows({ view, sessions, live, checks, canCut }: { view: View; sessions: BastionSessionRecord[]; live: boolean; checks: Map<string, RecordingCheck>; canCut: boolean }) {
  const { t, f } = view;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t('sessions.user')}</th>
          <th scope="col">{t('sessions.target')}</th>
          <th scope="col">{t('sessions.from')}</th>
          <th scope="col">{t('sessions.started')}</th>
          <th scope="col">{live ? t('sessions.windowEnd') : t('sessions.ended')}</th>
          {!live && <th scope="col">{t('sessions.endReason')}</th>}
          <th scope="col">{t('sessions.recording')}</th>
          <th scope="col">
            <span class="visually-hidden">{t('sessions.open')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <tr>
            <td>{s.username}</td>
            <td>{s.target_name}</td>
            <td>{s.source_ip}</td>
            <td>{f.dateTime(s.started_at)}</td>
            <td>{live ? f.dateTime(s.not_after) : f.dateTime(s.ended_at ?? s.started_at)}</td>
            {!live && <td>{reasonText(view, s.end_reason)}</td>}
            <td>
              <RecordingBadge view={view} check={checks.get(s.session_id) ?? { state: 'live', verify: null }} />
            </td>
            <td>
              <a href={`/sessions/${s.session_id}`}>{t('sessions.open')}</a>
              {live && canCut && s.cut_requested_at === null && (
                <form method="post" action={`/sessions/${s.session_id}/cut`} class="inline">
                  <CsrfField view={view} />
                  <button type="submit">{t('sessions.cut')}</button>
                </form>
              )}
              {live && s.cut_requested_at !== null && <span> {t('sessions.cutRequested')}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const sessionsPages: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
    // The same recordings folder and public key as the API and the CLI (data dir, VIGIE_RECORDINGS_DIR),
    // read at each request: `vigie server init` may make the key after the server started.
    const depsNow = () => defaultBastionRouteDeps(ctx.config.dataDir);
    const check = (session: BastionSessionRecord, deps = depsNow()): RecordingCheck => recordingCheckOf(deps, session);

    app.get<{ Querystring: Static<typeof ListQuery> }>(
      '/sessions',
      {
        config: { access: { roles: PAGE_ROLES.sessions, tokens: false } },
        schema: { hide: true, querystring: ListQuery },
      },
      async (request, reply) => {
        const view = viewOf(request, ctx.now());
        const live = await listBastionSessions(ctx.db, { state: 'live', limit: 200 });
        const past = await listBastionSessions(ctx.db, { state: 'ended', limit: 100 });
        const deps = depsNow();
        const checks = new Map(past.map((s) => [s.session_id, check(s, deps)]));
        const canCut = view.user !== null && (PAGE_ROLES.sessionCut as readonly string[]).includes(view.user.role);
        const notice = request.query.notice;
        return sendPage(
          reply,
          <Layout view={view} title={view.t('sessions.title')} freshness={ctx.now()}>
            {notice === 'cut' && <Notice kind="success">{view.t('sessions.cutDone')}</Notice>}
            {notice === 'gone' && <Notice kind="info">{view.t('sessions.cutGone')}</Notice>}
            <h2>{view.t('sessions.live', { n: String(live.length) })}</h2>
            {live.length === 0 ? <p>{view.t('sessions.none')}</p> : <SessionRows view={view} sessions={live} live checks={checks} canCut={canCut} />}
            <h2>{view.t('sessions.past')}</h2>
            {past.length === 0 ? <p>{view.t('sessions.none')}</p> : <SessionRows view={view} sessions={past} live={false} checks={checks} canCut={false} />}
          </Layout>,
        );
      },
    );

    app.post<{ Params: Static<typeof IdParams> }>(
      '/sessions/:id/cut',
      { config: { access: { roles: PAGE_ROLES.sessionCut, tokens: false } }, schema: { hide: true, params: IdParams } },
      async (request, reply) => {
        const session = await findBastionSession(ctx.db, request.params.id);
        if (session === undefined) throw new ApiError(404, 'not_found', 'No such bastion session.');
        const actor = actorOf(principalOf(request));
        if (!(await requestBastionCut(ctx.db, session.session_id, `${actor.type}:${actor.id}`, ctx.now()))) return redirectTo(reply, '/sessions?notice=gone');
        await appendAuditEvent(ctx.db, { actor, action: 'bastion.cut_requested', target: `bastion_session:${session.session_id}`, details: { user: session.username, target: session.target_name, via: 'dashboard' }, at: ctx.now() });
        return redirectTo(reply, '/sessions?notice=cut');
      },
    );

    app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof SessionQuery> }>(
      '/sessions/:id',
      {
        config: { access: { roles: PAGE_ROLES.sessions, tokens: false } },
        schema: { hide: true, params: IdParams, querystring: SessionQuery },
      },
      async (request, reply) => {
        const view = viewOf(request, ctx.now());
        const { t, f } = view;
        const session = await findBastionSession(ctx.db, request.params.id);
        if (session === undefined) throw new ApiError(404, 'not_found', 'No such bastion session.');
        const deps = depsNow();
        const recording = check(session, deps);
        const content = recordingContentOf(deps.recordingsDir, session, request.query.q ?? '');
        // The live stream is for those who may cut (as the API route): an auditor reads the recording afterwards.
        const canFollow = view.user !== null && (PAGE_ROLES.sessionCut as readonly string[]).includes(view.user.role);
        const download = (name: string) => `/api/v1/bastion/sessions/${session.session_id}/recording/${encodeURIComponent(name)}`;
        reply.header('content-security-policy', playbackCsp());
        return sendPage(
          reply,
          <Layout
            view={view}
            title={t('session.title', { id: session.session_id })}
            freshness={ctx.now()}
            head={[...playbackHead(), <script src={asset('session-live.js')} defer />]}
          >
            <dl class="facts">
              <dt>{t('sessions.user')}</dt>
              <dd>{session.username}</dd>
              <dt>{t('sessions.target')}</dt>
              <dd>{session.target_name}</dd>
              <dt>{t('sessions.from')}</dt>
              <dd>{session.source_ip}</dd>
              <dt>{t('session.grant')}</dt>
              <dd>{session.grant_id}</dd>
              <dt>{t('sessions.started')}</dt>
              <dd>{f.dateTime(session.started_at)}</dd>
              <dt>{t('sessions.ended')}</dt>
              <dd>{session.ended_at === null ? t('rec.live') : `${f.dateTime(session.ended_at)} — ${reasonText(view, session.end_reason)}`}</dd>
              <dt>{t('session.bytes')}</dt>
              <dd>{`${f.integer(session.bytes_from_client)} / ${f.integer(session.bytes_to_client)}`}</dd>
              <dt>{t('session.input')}</dt>
              <dd>{t(session.input_recorded ? 'yes' : 'no')}</dd>
              <dt>{t('session.signed')}</dt>
              <dd>
                <code>{session.signed_sha256 ?? '–'}</code>
              </dd>
              <dt>{t('session.verification')}</dt>
              <dd>
                <RecordingBadge view={view} check={recording} />
                {(recording.verify?.problems ?? []).map((p) => (
                  <div>{t('session.problem', { file: p.file, problem: p.problem })}</div>
                ))}
              </dd>
            </dl>
            {session.ended_at === null && canFollow && (
              <section aria-labelledby="live-view">
                <h2 id="live-view">{t('session.live')}</h2>
                <p>{t('session.liveNote')}</p>
                <p
                  role="status"
                  id="live-state"
                  data-following={t('session.liveFollowing')}
                  data-ended={t('session.liveEnded', { reason: '{reason}' })}
                  data-unavailable={t('session.liveUnavailable')}
                  data-reasons={JSON.stringify(reasonTexts(view))}
                >
                  {t('session.liveConnecting')}
                </p>
                <pre class="transcript live" data-live-src={`/api/v1/bastion/sessions/${session.session_id}/events`} />
              </section>
            )}
            <p>{t('session.verifyOffline', { id: session.session_id })}</p>
            <RecordingSection view={view} session={session} content={content} search={request.query.q ?? ''} searchAction={`/sessions/${session.session_id}`} downloadUrl={download} />
          </Layout>,
        );
      },
    );
  };
