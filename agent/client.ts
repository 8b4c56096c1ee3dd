// The agent's calls to the Vigie server: enrollment, report delivery, configuration. Over
// HTTPS the server certificate is pinned (learnt at enrollment from the token's fingerprint).
import type { AgentServerConfig } from '../policies/agent-config.js';
import type { HostIdentity, HostRole } from '../policies/evidence.js';
import { httpCall, type HttpAnswer, type ServerPin } from './http.js';
import { isAgentServerConfig } from './server-config.js';

const REQUEST_TIMEOUT_MS = 15_000;

export interface ServerEndpoint {
  url: string;
  pin: ServerPin | null;
}

export interface EnrollResult {
  host_id: string;
  credential: string;
  site: string;
  role: HostRole;
}

export type SendOutcome =
  | { kind: 'stored' }
  | { kind: 'duplicate' }
  | { kind: 'rejected'; status: number; reason: string }
  /** `status`: the server's answer, null when it could not be reached. */
  | { kind: 'retry'; reason: string; retryAfterMs: number | null; status: number | null };

export class ServerError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** The server's one error format, `{error: {code, message}}`, as a short line. */
function errorText(answer: HttpAnswer): string {
  try {
    const body = JSON.parse(answer.body) as { error?: { code?: string; message?: string } };
    if (body.error) return `${body.error.code ?? 'error'}: ${body.error.message ?? ''}`.trim();
  } catch {
    // not JSON: fall through to the raw text
  }
  return answer.body.slice(0, 300);
}

function endpoint(server: ServerEndpoint, path: string): string {
  return new URL(path, server.url.endsWith('/') ? server.url : server.url + '/').toString();
}

async function call(
  server: ServerEndpoint,
  path: string,
  options: { method: 'GET' | 'POST'; body?: string; credential?: string },
): Promise<HttpAnswer> {
  return httpCall(endpoint(server, path), {
    method: options.method,
    body: options.body,
    headers: options.credential ? { authorization: `Bearer ${options.credential}` } : {},
    timeoutMs: REQUEST_TIMEOUT_MS,
    pin: server.pin,
  });
}

export async function enroll(
  server: ServerEndpoint,
  token: string,
  host: Pick<HostIdentity, 'hostname' | 'os'>,
  agentVersion: string,
): Promise<EnrollResult> {
  let answer: HttpAnswer;
  try {
    answer = await call(server, 'api/v1/enroll', {
      method: 'POST',
      body: JSON.stringify({ token, hostname: host.hostname, os: host.os, agent_version: agentVersion }),
    });
  } catch (error) {
    throw new ServerError(`cannot reach ${server.url}: ${(error as Error).message}`, null);
  }
  if (answer.status !== 201) throw new ServerError(`enrollment refused (${answer.status}) ${errorText(answer)}`, answer.status);
  return JSON.parse(answer.body) as EnrollResult;
}

function retryAfterMs(header: string | string[] | undefined): number | null {
  if (typeof header !== 'string') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/** Sends one serialised report. Only 200/201 mean the server committed it. */
export async function sendReport(server: ServerEndpoint, credential: string, body: string): Promise<SendOutcome> {
  let answer: HttpAnswer;
  try {
    answer = await call(server, 'api/v1/reports', { method: 'POST', body, credential });
  } catch (error) {
    return { kind: 'retry', reason: `cannot reach ${server.url}: ${(error as Error).message}`, retryAfterMs: null, status: null };
  }
  if (answer.status === 201) return { kind: 'stored' };
  if (answer.status === 200) return { kind: 'duplicate' };
  const reason = `${answer.status} ${errorText(answer)}`;
  if (answer.status === 429 || answer.status >= 500) {
    return { kind: 'retry', reason, retryAfterMs: retryAfterMs(answer.headers['retry-after']), status: answer.status };
  }
  if (answer.status === 401 || answer.status === 403) {
    // Credential problems are not the report's fault: keep it, the operator must act.
    return { kind: 'retry', reason, retryAfterMs: null, status: answer.status };
  }
  return { kind: 'rejected', status: answer.status, reason };
}

/** The schedule and probes the server wants this agent to use, or why they could not be had. */
export async function fetchAgentConfig(server: ServerEndpoint, credential: string): Promise<AgentServerConfig | { error: string }> {
  let answer: HttpAnswer;
  try {
    answer = await call(server, 'api/v1/agent/config', { method: 'GET', credential });
  } catch (error) {
    return { error: `cannot reach ${server.url}: ${(error as Error).message}` };
  }
  if (answer.status !== 200) return { error: `${answer.status} ${errorText(answer)}` };
  try {
    const body: unknown = JSON.parse(answer.body);
    if (isAgentServerConfig(body)) return body;
  } catch {
    // fall through
  }
  return { error: 'the server sent an agent configuration that does not match the schema' };
}
