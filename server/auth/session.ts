// Browser sessions. The session id (32 random bytes) lives only in an httpOnly, Secure,
// SameSite=Strict cookie with the __Host- prefix (no Domain, Path=/); the server stores its SHA-256.
// A session ends after SESSION_IDLE_MS without use or SESSION_ABSOLUTE_MS after login.
//
// CSRF: a synchronizer token. Each session gets a random CSRF token, returned in the login answer
// and in a readable (not httpOnly) __Host- cookie; the server keeps its SHA-256 with the session.
// Every state-changing request made with a session must echo it in the X-CSRF-Token header. A
// cross-site page can neither read the cookie nor set the header (and SameSite=Strict already keeps
// the session cookie off cross-site requests); API tokens (Authorization header, never sent by a
// browser on its own) need no CSRF token. Chosen over @fastify/csrf-protection: the token is bound
// to the server-side session, so there is no extra secret cookie to sign and rotate.
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { deleteSession, findSession, insertSession, touchSession, type SessionRecord, type SessionStage } from '../db/sessions.js';
import { findUserById, type UserCredentials } from '../db/users.js';
import type { Database } from '../db/schema.js';
import { hashSecret, newSecret, secretMatches } from '../secrets/secrets.js';

export const SESSION_COOKIE = '__Host-vigie_session';
export const CSRF_COOKIE = '__Host-vigie_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3_600_000;
/** last_seen_at is rewritten at most this often (not on every request). */
const TOUCH_EVERY_MS = 60_000;
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface StartedSession {
  session_id: string;
  csrf_token: string;
  expires_at: Date;
  session_hash: string;
}

export async function startSession(db: Database, user: UserCredentials, stage: SessionStage, sourceIp: string | null, now: Date): Promise<StartedSession> {
  const sessionId = newSecret();
  const csrfToken = newSecret();
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
  const sessionHash = hashSecret(sessionId);
  await insertSession(db, { session_hash: sessionHash, user_id: user.user_id, stage, csrf_hash: hashSecret(csrfToken), now, expires_at: expiresAt, source_ip: sourceIp });
  return { session_id: sessionId, csrf_token: csrfToken, expires_at: expiresAt, session_hash: sessionHash };
}

const cookieBase = { path: '/', secure: true, sameSite: 'strict' } as const;

export function setSessionCookies(reply: FastifyReply, session: StartedSession): void {
  void reply.setCookie(SESSION_COOKIE, session.session_id, { ...cookieBase, httpOnly: true, expires: session.expires_at });
  void reply.setCookie(CSRF_COOKIE, session.csrf_token, { ...cookieBase, httpOnly: false, expires: session.expires_at });
}

export function clearSessionCookies(reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { ...cookieBase, httpOnly: true });
  void reply.clearCookie(CSRF_COOKIE, { ...cookieBase, httpOnly: false });
}

/** The session id presented in the request's cookie, if well-formed. */
export function presentedSessionId(request: FastifyRequest): string | null {
  const value = request.cookies[SESSION_COOKIE];
  return typeof value === 'string' && SESSION_ID_PATTERN.test(value) ? value : null;
}

export interface ActiveSession {
  session: SessionRecord;
  user: UserCredentials;
}

/** The live session of this id and its enabled user; expired sessions are deleted and refused. */
export async function resolveSession(db: Database, sessionId: string, now: Date): Promise<ActiveSession | null> {
  const sessionHash = hashSecret(sessionId);
  const session = await findSession(db, sessionHash);
  if (session === undefined) return null;
  const idleExpired = Date.parse(session.last_seen_at) + SESSION_IDLE_MS < now.getTime();
  const absoluteExpired = Date.parse(session.expires_at) < now.getTime();
  const user = await findUserById(db, session.user_id);
  if (idleExpired || absoluteExpired || user === undefined || user.disabled_at !== null) {
    await deleteSession(db, sessionHash);
    return null;
  }
  if (now.getTime() - Date.parse(session.last_seen_at) >= TOUCH_EVERY_MS) await touchSession(db, sessionHash, now);
  return { session, user };
}

export function csrfTokenMatches(request: FastifyRequest, csrfHash: string): boolean {
  const presented = request.headers[CSRF_HEADER];
  return typeof presented === 'string' && presented.length <= 64 && secretMatches(presented, csrfHash);
}

/** The form field that carries the CSRF token in the dashboard's HTML forms. */
export const CSRF_FIELD = '_csrf';

/** A urlencoded HTML form post (the only body type the dashboard's forms send). */
export function isFormPost(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && type.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** Whether a parsed form body carries this session's CSRF token in its _csrf field. */
export function csrfFormTokenMatches(body: unknown, csrfHash: string): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const presented = (body as Record<string, unknown>)[CSRF_FIELD];
  return typeof presented === 'string' && presented.length <= 64 && secretMatches(presented, csrfHash);
}

/**
 * The session's CSRF token as the browser holds it (its readable cookie), for embedding in a
 * form; null unless it is this session's. The server keeps only its hash.
 */
export function presentedCsrfToken(request: FastifyRequest, csrfHash: string): string | null {
  const value = request.cookies[CSRF_COOKIE];
  return typeof value === 'string' && value.length <= 64 && secretMatches(value, csrfHash) ? value : null;
}
