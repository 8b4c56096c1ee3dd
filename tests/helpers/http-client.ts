// A small HTTP client for tests and benches that must send real concurrent requests to a
// listening server, from a chosen source address (127.0.0.0/8 is all loopback on Linux, so
// 127.0.0.2, 127.0.0.3 ... act as distinct clients).
import { request, type Agent } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Milliseconds from sending to the end of the answer. */
  ms: number;
}

export function httpRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; localAddress?: string; headers?: Record<string, string>; agent?: Agent } = {},
): Promise<HttpAnswer> {
  const url = new URL(path, baseUrl);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        // A keep-alive agent when given (bound to its own source address); else one connection per request.
        agent: options.agent ?? false,
        ...(options.localAddress === undefined || options.agent !== undefined ? {} : { localAddress: options.localAddress }),
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(payload.length) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export const postJson = (baseUrl: string, path: string, body: unknown, options: { localAddress?: string; headers?: Record<string, string>; agent?: Agent } = {}) =>
  httpRequest(baseUrl, 'POST', path, { ...options, body });
