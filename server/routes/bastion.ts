// /api/v1/bastion: the bastion's sessions for the people who watch over vendors. Live and past
// sessions with how each ended, a live session's cut (any replica: the watchdog holding it reads
// the request), the recording's metadata with its verification, file download, and a read-only
// live stream of a session's events (server-sent events, from the replica holding the session).
// Reading recordings is sensitive (they show the device's screens): sessions only for downloads
// and the live stream, and each download is an audit event.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import { actorOf, principalOf } from '../auth/guard.js';
import type { Role } from '../auth/roles.js';
import { checkRecording, isRecordingFileName, recordingDir, recordingFiles } from '../bastion/recordings.js';
import type { SessionEvent, SessionEventBus } from '../bastion/session-events.js';
import { findBastionSession, listBastionSessions, MAX_SESSIONS_LISTED, requestBastionCut, type BastionSessionRecord } from '../db/bastion-sessions.js';
import { ApiError } from '../errors.js';
import { errorResponses, type RouteContext } from './context.js';

const strict = { additionalProperties: false } as const;

/** Who reads the bastion's sessions and recordings (the biomedical engineer owns the devices and co-approves). */
export const BASTION_READERS: readonly Role[] = ['admin', 'rssi', 'biomedical', 'auditor'];
/** Who may cut a live session (those who may revoke its grant). */
export const BASTION_CUTTERS: readonly Role[] = ['admin', 'rssi', 'biomedical'];

export interface BastionRouteDeps {
  recordingsDir: string;
  /** The recording public key; null when `vigie server init` has not made the keys yet. */
  recordingPublicKey: KeyObject | null;
  /** Events of the sessions held by this process; null when this server runs without SSH. */
  events: SessionEventBus | null;
  /** This process's bastion replica id (bastion_sessions.replica of the sessions it holds); null without SSH. */
  replica: string | null;
}

/** Without a running bastion: recordings read from the data dir, no live stream. */
export function offlineBastionRouteDeps(recordingsDir: string, recordingPublicKey: KeyObject | null): BastionRouteDeps {
  return { recordingsDir, recordingPublicKey, events: null, replica: null };
}

const SessionView = Type.Object(
  {
    session_id: Type.String(),
    grant_id: Type.String(),
    request_id: Type.String(),
    username: Type.String(),
    target_name: Type.String(),
    source_ip: Type.String(),
    replica: Type.String(),
    started_at: Type.String(),
    not_after: Type.String(),
    ended_at: Type.Union([Type.String(), Type.Null()]),
    end_reason: Type.Union([Type.String(), Type.Null()]),
    cut_requested_at: Type.Union([Type.String(), Type.Null()]),
    cut_requested_by: Type.Union([Type.String(), Type.Null()]),
    input_recorded: Type.Boolean(),
    bytes_from_client: Type.Integer(),
    bytes_to_client: Type.Integer(),
    signed_sha256: Type.Union([Type.String(), Type.Null()]),
    manifest_sha256: Type.Union([Type.String(), Type.Null()]),
    retain_until: Type.Union([Type.String(), Type.Null()]),
    recording_deleted_at: Type.Union([Type.String(), Type.Null()]),
  },
  strict,
);

const RecordingView = Type.Object(
  {
    state: Type.Union([Type.Literal('live'), Type.Literal('deleted'), Type.Literal('unsealed'), Type.Literal('sealed')]),
    /** null until sealed. */
    verified: Type.Union([Type.Boolean(), Type.Null()]),
    signature: Type.Union([Type.Literal('valid'), Type.Literal('invalid'), Type.Literal('missing'), Type.Null()]),
    problems: Type.Array(Type.Object({ file: Type.String(), problem: Type.String() }, strict)),
    files: Type.Array(Type.Object({ name: Type.String(), size: Type.Integer() }, strict)),
  },
  strict,
);

function view(session: BastionSessionRecord) {
  const { user_id: _user, target_id: _target, recording_dir: _dir, ...rest } = session;
  return rest;
}

const IdParams = Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }) }, strict);

const CONTENT_TYPES: [RegExp, string][] = [
  [/\.cast$/, 'application/x-asciicast; charset=utf-8'],
  [/\.json$/, 'application/json; charset=utf-8'],
  [/^SHA256SUMS$/, 'text/plain; charset=utf-8'],
  [/\.sig$/, 'application/octet-stream'],
];

/** The content type a recording file is downloaded with (also by the vendor's own sessions page). */
export function recordingContentType(name: string): string {
  return CONTENT_TYPES.find(([pattern]) => pattern.test(name))?.[1] ?? 'application/octet-stream';
}

export function bastionRoutes(deps: BastionRouteDeps): FastifyPluginAsyncTypebox<RouteContext> {
  return async (app, ctx) => {
    const found = async (id: string): Promise<BastionSessionRecord> => {
      const session = await findBastionSession(ctx.db, id);
      if (session === undefined) throw new ApiError(404, 'not_found', 'No such bastion session.');
      return session;
    };

    app.get(
      '/api/v1/bastion/sessions',
      {
        config: { access: { roles: BASTION_READERS } },
        schema: {
          querystring: Type.Object(
            {
              state: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('ended'), Type.Literal('all')])),
              user: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SESSIONS_LISTED })),
            },
            strict,
          ),
          response: { 200: Type.Object({ sessions: Type.Array(SessionView) }, strict), ...errorResponses },
        },
      },
      async (request) => {
        const { state, user, limit } = request.query;
        const sessions = await listBastionSessions(ctx.db, { state: state ?? 'all', ...(user === undefined ? {} : { username: user }), ...(limit === undefined ? {} : { limit }) });
        return { sessions: sessions.map(view) };
      },
    );

    app.get(
      '/api/v1/bastion/sessions/:id',
      {
        config: { access: { roles: BASTION_READERS } },
        schema: { params: IdParams, response: { 200: Type.Object({ session: SessionView, recording: RecordingView }, strict), ...errorResponses } },
      },
      async (request) => {
        const session = await found(request.params.id);
        const files = recordingFiles(deps.recordingsDir, session);
        if (deps.recordingPublicKey === null) {
          return { session: view(session), recording: { state: session.ended_at === null ? 'live' as const : 'unsealed' as const, verified: null, signature: null, problems: [], files } };
        }
        const check = checkRecording(deps.recordingsDir, session, deps.recordingPublicKey);
        return {
          session: view(session),
          recording: {
            state: check.state,
            verified: check.verify?.ok ?? null,
            signature: check.verify?.signature ?? null,
            problems: check.verify?.problems ?? [],
            files,
          },
        };
      },
    );

    app.post(
      '/api/v1/bastion/sessions/:id/cut',
      {
        config: { access: { roles: BASTION_CUTTERS, tokens: false } },
        schema: { params: IdParams, response: { 202: Type.Object({ session_id: Type.String(), cut_requested: Type.Literal(true) }, strict), ...errorResponses } },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const actor = actorOf(principal);
        const session = await found(request.params.id);
        if (!(await requestBastionCut(ctx.db, session.session_id, `${actor.type}:${actor.id}`, ctx.now()))) {
          throw new ApiError(409, 'not_live', 'This session has already ended.');
        }
        await appendAuditEvent(ctx.db, { actor, action: 'bastion.cut_requested', target: `bastion_session:${session.session_id}`, details: { user: session.username, target: session.target_name }, at: ctx.now() });
        return reply.status(202).send({ session_id: session.session_id, cut_requested: true });
      },
    );

    app.get(
      '/api/v1/bastion/sessions/:id/recording/:file',
      {
        config: { access: { roles: BASTION_READERS, tokens: false } },
        schema: { params: Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }), file: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }) }, strict) },
      },
      async (request, reply) => {
        const session = await found(request.params.id);
        const name = request.params.file;
        if (!isRecordingFileName(name) || !recordingFiles(deps.recordingsDir, session).some((file) => file.name === name)) {
          throw new ApiError(404, 'not_found', 'No such recording file.');
        }
        const principal = principalOf(request);
        await appendAuditEvent(ctx.db, { actor: actorOf(principal), action: 'bastion.recording_downloaded', target: `bastion_session:${session.session_id}`, details: { file: name }, at: ctx.now() });
        const type = recordingContentType(name);
        return reply
          .header('content-type', type)
          .header('content-disposition', `attachment; filename="${session.session_id}-${name}"`)
          .header('cache-control', 'no-store')
          .send(createReadStream(join(recordingDir(deps.recordingsDir, session), name)));
      },
    );

    app.get(
      '/api/v1/bastion/sessions/:id/events',
      {
        config: { access: { roles: BASTION_CUTTERS, tokens: false } },
        schema: { params: IdParams },
      },
      async (request, reply) => {
        const session = await found(request.params.id);
        if (session.ended_at !== null) throw new ApiError(409, 'not_live', 'This session has already ended; play its recording instead.');
        if (deps.events === null || session.replica !== deps.replica) {
          throw new ApiError(409, 'not_here', `This session is held by bastion replica ${session.replica}; follow it there.`);
        }
        const events = deps.events;
        await appendAuditEvent(ctx.db, { actor: actorOf(principalOf(request)), action: 'bastion.session_followed', target: `bastion_session:${session.session_id}`, at: ctx.now() });
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          connection: 'keep-alive',
        });
        raw.write(`event: hello\ndata: ${JSON.stringify({ session_id: session.session_id, replica: session.replica })}\n\n`);
        const send = (event: SessionEvent) => {
          raw.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
          if (event.type === 'ended') finish();
        };
        const unfollow = events.follow(session.session_id, send);
        const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
        keepAlive.unref();
        let finished = false;
        function finish() {
          if (finished) return;
          finished = true;
          clearInterval(keepAlive);
          unfollow?.();
          raw.end();
        }
        if (unfollow === null) {
          raw.write(`event: error\ndata: ${JSON.stringify({ error: 'too_many_followers' })}\n\n`);
          finish();
        }
        request.raw.on('close', finish);
      },
    );
  };
}
