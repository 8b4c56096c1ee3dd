// "Mes séances": a vendor technician's own bastion sessions. The live ones, then the ended ones
// (keyset pages): device, request, start and end, bytes each way, how each ended and whether its
// signed recording verifies. A session's page replays it (asciinema-player, markers: approval,
// warnings, cut), shows the transcript with search, and offers the signed files for download, so
// the vendor holds the same evidence of what was done as the hospital. Nothing here is shared
// across users: another user's session answers 404, as another vendor's request does. There is no
// live view and no cut (that is for those who watch over vendors, page 10); every download, the
// player's included, is an audit event.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { appendAuditEvent } from '../../auditlog/auditlog.js';
import { actorOf, principalOf } from '../../auth/guard.js';
import { defaultBastionRouteDeps } from '../../bastion/route-deps.js';
import { isRecordingFileName, recordingDir, recordingFiles, type RecordingCheck } from '../../bastion/recordings.js';
import type { BastionSessionRecord } from '../../db/bastion-sessions.js';
import { ApiError } from '../../errors.js';
import { recordingContentType } from '../../routes/bastion.js';
import type { RouteContext } from '../../routes/context.js';
import { Layout } from '../components/layout.js';
import { playbackCsp, playbackHead, reasonText, RecordingBadge, recordingCheckOf, recordingContentOf, RecordingSection } from '../components/session-recording.js';
import { findOwnSession, parseSessionCursor, vendorSessionsPage } from '../data/vendor-sessions.js';
import { PAGE_ROLES } from '../nav.js';
import { sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';

const strict = { additionalProperties: false } as const;
const IdParams = Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }) }, strict);
const FileParams = Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }), file: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }) }, strict);
const ListQuery = Type.Object({ after: Type.Optional(Type.String({ maxLength: 80 })) }, strict);
const SessionQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })) }, strict);
const ACCESS = { access: { roles: PAGE_ROLES.mySessions, tokens: false } } as const;

/** The signed-in vendor's user id (these pages refuse API tokens). */
function userIdOf(request: FastifyRequest): string {
  const principal = principalOf(request);
  if (principal.kind !== 'user') throw new ApiError(403, 'forbidden', 'Sessions are listed for people, not API tokens.');
  return principal.user.user_id;
}

const notFound = () => new ApiError(404, 'not_found', 'No such bastion session.');
const pageOf = (session: BastionSessionRecord) => `/my-sessions/${session.session_id}`;

function OwnSessionRows({ view, sessions, live, checks }: { view: View; sessions: BastionSessionRecord[]; live: boolean; checks: Map<string, RecordingCheck> }) {
  const { t, f } = view;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t('sessions.target')}</th>
          <th scope="col">{t('mySessions.request')}</th>
          <th scope="col">{t('sessions.started')}</th>
          <th scope="col">{live ? t('sessions.windowEnd') : t('sessions.ended')}</th>
          <th scope="col">{t('mySessions.bytesSent')}</th>
          <th scope="col">{t('mySessions.bytesReceived')}</th>
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
            <td>{s.target_name}</td>
            <td>
              <a href={`/access/requests/${s.request_id}`}>{s.request_id.slice(0, 8)}</a>
            </td>
            <td>{f.dateTime(s.started_at)}</td>
            <td>{live ? f.dateTime(s.not_after) : f.dateTime(s.ended_at ?? s.started_at)}</td>
            <td>{f.integer(s.bytes_from_client)}</td>
            <td>{f.integer(s.bytes_to_client)}</td>
            {!live && <td>{reasonText(view, s.end_reason)}</td>}
            <td>
              <RecordingBadge view={view} check={checks.get(s.session_id) ?? { state: 'live', verify: null }} />
            </td>
            <td>
              <a href={pageOf(s)} aria-label={t('mySessions.openLabel', { target: s.target_name, at: f.dateTime(s.started_at) })}>
                {t('sessions.open')}
              </a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const vendorSessionsPages: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  // Read at each request, as page 10 does: `vigie server init` may make the recording key later.
  const depsNow = () => defaultBastionRouteDeps(ctx.config.dataDir);

  app.get<{ Querystring: Static<typeof ListQuery> }>('/my-sessions', { config: ACCESS, schema: { hide: true, querystring: ListQuery } }, async (request, reply) => {
    const view = viewOf(request, ctx.now());
    const { t } = view;
    const after = parseSessionCursor(request.query.after);
    const page = await vendorSessionsPage(ctx.db, userIdOf(request), after);
    const deps = depsNow();
    const checks = new Map(page.past.map((s) => [s.session_id, recordingCheckOf(deps, s)]));
    return sendPage(
      reply,
      <Layout view={view} title={t('mySessions.title')} freshness={ctx.now()}>
        <p>{t('mySessions.intro')}</p>
        {after === null && (
          <>
            <h2>{t('sessions.live', { n: String(page.live.length) })}</h2>
            {page.live.length === 0 ? <p>{t('sessions.none')}</p> : <OwnSessionRows view={view} sessions={page.live} live checks={checks} />}
          </>
        )}
        <h2>{t('sessions.past')}</h2>
        {page.past.length === 0 ? <p>{t('sessions.none')}</p> : <OwnSessionRows view={view} sessions={page.past} live={false} checks={checks} />}
        <nav aria-label={t('mySessions.pages')} class="pager">
          {after !== null && <a href="/my-sessions">{t('mySessions.first')}</a>}{' '}
          {page.next !== null && <a href={`/my-sessions?after=${encodeURIComponent(page.next)}`}>{t('mySessions.next')}</a>}
        </nav>
      </Layout>,
    );
  });

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof SessionQuery> }>(
    '/my-sessions/:id',
    { config: ACCESS, schema: { hide: true, params: IdParams, querystring: SessionQuery } },
    async (request, reply) => {
      const view = viewOf(request, ctx.now());
      const { t, f } = view;
      const session = await findOwnSession(ctx.db, userIdOf(request), request.params.id);
      if (session === undefined) throw notFound();
      const deps = depsNow();
      const recording = recordingCheckOf(deps, session);
      const search = request.query.q ?? '';
      const content = recordingContentOf(deps.recordingsDir, session, search);
      reply.header('content-security-policy', playbackCsp());
      return sendPage(
        reply,
        <Layout view={view} title={t('session.title', { id: session.session_id })} freshness={ctx.now()} head={playbackHead()}>
          <p>
            <a href="/my-sessions">{t('mySessions.back')}</a>
          </p>
          <dl class="facts">
            <dt>{t('sessions.target')}</dt>
            <dd>{session.target_name}</dd>
            <dt>{t('mySessions.request')}</dt>
            <dd>
              <a href={`/access/requests/${session.request_id}`}>{session.request_id}</a>
            </dd>
            <dt>{t('sessions.from')}</dt>
            <dd>{session.source_ip}</dd>
            <dt>{t('sessions.started')}</dt>
            <dd>{f.dateTime(session.started_at)}</dd>
            <dt>{t('sessions.ended')}</dt>
            <dd>{session.ended_at === null ? t('rec.live') : `${f.dateTime(session.ended_at)} — ${reasonText(view, session.end_reason)}`}</dd>
            <dt>{t('mySessions.bytesSent')}</dt>
            <dd>{f.integer(session.bytes_from_client)}</dd>
            <dt>{t('mySessions.bytesReceived')}</dt>
            <dd>{f.integer(session.bytes_to_client)}</dd>
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
          <p>{t('mySessions.evidence')}</p>
          <RecordingSection
            view={view}
            session={session}
            content={content}
            search={search}
            searchAction={pageOf(session)}
            downloadUrl={(name) => `${pageOf(session)}/recording/${encodeURIComponent(name)}`}
          />
        </Layout>,
      );
    },
  );

  app.get<{ Params: Static<typeof FileParams> }>('/my-sessions/:id/recording/:file', { config: ACCESS, schema: { hide: true, params: FileParams } }, async (request, reply) => {
    const session = await findOwnSession(ctx.db, userIdOf(request), request.params.id);
    if (session === undefined) throw notFound();
    const name = request.params.file;
    const deps = depsNow();
    if (!isRecordingFileName(name) || !recordingFiles(deps.recordingsDir, session).some((file) => file.name === name)) {
      throw new ApiError(404, 'not_found', 'No such recording file.');
    }
    await appendAuditEvent(ctx.db, { actor: actorOf(principalOf(request)), action: 'bastion.recording_downloaded', target: `bastion_session:${session.session_id}`, details: { file: name, via: 'own_sessions' }, at: ctx.now() });
    return reply
      .header('content-type', recordingContentType(name))
      .header('content-disposition', `attachment; filename="${session.session_id}-${name}"`)
      .header('cache-control', 'no-store')
      .send(createReadStream(join(recordingDir(deps.recordingsDir, session), name)));
  });
};
