// A small HTTPS client for the agent (node:https rather than fetch: it allows pinning the
// server certificate and loads less code, which matters for a resident agent).
// Redirects are never followed, so a credential cannot be replayed to another origin;
// answers are capped in size; every request has a timeout.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';

export interface ServerPin {
  /** SHA-256 fingerprint of the server certificate, 64 hex digits (case and colons ignored). */
  fingerprint: string;
  /** The certificate that issued it (PEM), trusted for this server only; learnt at enrollment. */
  trustAnchorPem: string;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export class TransportError extends Error {}

const MAX_ANSWER_BYTES = 1024 * 1024;

export const normaliseFingerprint = (value: string): string => value.replace(/:/g, '').toLowerCase();

/** Refuses any certificate but the pinned one (hostname checks are moot once the exact certificate is pinned). */
function pinnedIdentity(pin: ServerPin) {
  return (_host: string, cert: PeerCertificate): Error | undefined =>
    normaliseFingerprint(cert.fingerprint256) === normaliseFingerprint(pin.fingerprint)
      ? undefined
      : new TransportError(`the server certificate (${cert.fingerprint256}) is not the pinned one`);
}

export function httpCall(
  url: string,
  options: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; timeoutMs: number; pin?: ServerPin | null },
): Promise<HttpAnswer> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const tls = secure && options.pin ? { ca: options.pin.trustAnchorPem, checkServerIdentity: pinnedIdentity(options.pin) } : {};
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method,
        headers: {
          ...(options.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(options.body) }),
          ...options.headers,
        },
        timeout: options.timeoutMs,
        // One connection per call: an agent makes a handful of calls per cycle, and an idle
        // keep-alive socket would only hold the process (and a server slot) open.
        agent: false,
        ...tls,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy(new TransportError(`the server answer exceeds ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new TransportError(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Connects once without trusting anything, and returns the server's certificate chain if its
 * certificate has the expected fingerprint: the anchor the agent will trust from then on (the
 * issuer at the top of the chain, or the certificate itself when self-signed).
 */
export function learnPinnedServer(url: string, fingerprint: string, timeoutMs: number): Promise<ServerPin> {
  const target = new URL(url);
  if (target.protocol !== 'https:') return Promise.reject(new TransportError('a certificate pin needs an https:// server URL'));
  return new Promise((resolve, reject) => {
    // rejectUnauthorized: false is safe here: nothing is sent, and the certificate is compared
    // with the fingerprint that came with the enrollment token before anything is trusted.
    const req = httpsRequest(target, { method: 'HEAD', path: '/healthz', rejectUnauthorized: false, timeout: timeoutMs, agent: false });
    req.on('socket', (socket) => {
      socket.once('secureConnect', () => {
        const tlsSocket = socket as import('node:tls').TLSSocket;
        const leaf = tlsSocket.getPeerCertificate(true);
        const got = normaliseFingerprint(leaf.fingerprint256 ?? '');
        if (got !== normaliseFingerprint(fingerprint)) {
          req.destroy(new TransportError(`the server certificate fingerprint ${got || '(none)'} does not match the one given with the token`));
          return;
        }
        let top: import('node:tls').DetailedPeerCertificate = leaf;
        for (let depth = 0; depth < 10 && top.issuerCertificate && top.issuerCertificate !== top; depth++) top = top.issuerCertificate;
        resolve({ fingerprint: got, trustAnchorPem: new X509Certificate(top.raw).toString() });
        req.destroy();
      });
    });
    req.on('timeout', () => req.destroy(new TransportError(`no TLS handshake within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(error));
    req.end();
  });
}
