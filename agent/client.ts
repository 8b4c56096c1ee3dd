// HTTP transport to the Vigie server: enrollment and report delivery. Redirects are
// refused so a credential is never replayed to another origin.
import type { AgentServerConfig } from '../policies/agent-config.js';
import type { HostIdentity, HostRole } from '../policies/evidence.js';
import { isAgentServerConfig } from './server-config.js';

const REQUEST_TIMEOUT_MS = 15_000;

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
  | { kind: 'retry'; reason: string; retryAfterMs: number | null };

export class ServerError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

async function readError(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error) return `${body.error.code ?? 'error'}: ${body.error.message ?? ''}`.trim();
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 300) || response.statusText;
}

function endpoint(serverUrl: string, path: string): string {
  return new URL(path, serverUrl.endsWith('/') ? serverUrl : serverUrl + '/').toString();
}

export async function enroll(
  serverUrl: string,
  token: string,
  host: Pick<HostIdentity, 'hostname' | 'os'>,
  agentVersion: string,
): Promise<EnrollResult> {
  let response: Response;
  try {
    response = await fetch(endpoint(serverUrl, 'api/v1/enroll'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, hostname: host.hostname, os: host.os, agent_version: agentVersion }),
      redirect: 'error',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ServerError(`cannot reach ${serverUrl}: ${(error as Error).message}`, null);
  }
  if (response.status !== 201) {
    throw new ServerError(`enrollment refused (${response.status}) ${await readError(response)}`, response.status);
  }
  return (await response.json()) as EnrollResult;
}

function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/** Sends one serialised report. Only 200/201 mean the server committed it. */
export async function sendReport(serverUrl: string, credential: string, body: string): Promise<SendOutcome> {
  let response: Response;
  try {
    response = await fetch(endpoint(serverUrl, 'api/v1/reports'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    return { kind: 'retry', reason: `cannot reach ${serverUrl}: ${(error as Error).message}`, retryAfterMs: null };
  }
  if (response.status === 201) {
    await response.body?.cancel();
    return { kind: 'stored' };
  }
  if (response.status === 200) {
    await response.body?.cancel();
    return { kind: 'duplicate' };
  }
  const reason = `${response.status} ${await readError(response)}`;
  if (response.status === 429 || response.status >= 500) {
    return { kind: 'retry', reason, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
  }
  if (response.status === 401 || response.status === 403) {
    // Credential problems are not the report's fault: keep it, the operator must act.
    return { kind: 'retry', reason, retryAfterMs: null };
  }
  return { kind: 'rejected', status: response.status, reason };
}

/** The schedule and probes the server wants this agent to use; null (with the reason logged by the caller) on any failure. */
export async function fetchAgentConfig(serverUrl: string, credential: string): Promise<AgentServerConfig | { error: string }> {
  try {
    const response = await fetch(endpoint(serverUrl, 'api/v1/agent/config'), {
      headers: { authorization: `Bearer ${credential}` },
      redirect: 'error',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (response.status !== 200) return { error: `${response.status} ${await readError(response)}` };
    const body: unknown = await response.json();
    return isAgentServerConfig(body) ? body : { error: 'the server sent an agent configuration that does not match the schema' };
  } catch (error) {
    return { error: `cannot reach ${serverUrl}: ${(error as Error).message}` };
  }
}
