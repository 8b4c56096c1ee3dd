// The server's pino logger. Requests are logged through an explicit serializer (method, URL,
// remote address: never headers or bodies), and secrets are redacted wherever they might appear
// anyway (an error object carrying a request, a future debug line).
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from './config.js';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  'credential',
  'secret',
  'password',
  '*.token',
  '*.credential',
  '*.secret',
  '*.password',
  'body.token',
  'req.body.token',
  // People (server/auth): sessions, CSRF tokens, TOTP and recovery codes, passwords of every kind.
  'req.headers["x-csrf-token"]',
  'headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.totp_code',
  '*.recovery_code',
  '*.recovery_codes',
  '*.current_password',
  '*.new_password',
  '*.initial_password',
  '*.csrf_token',
  '*.totp_secret',
  '*.totp_pending_secret',
  '*.totp_secret_sealed',
  '*.totp_pending_secret_sealed',
  '*.password_hash',
];

/**
 * Errors as pino serialises them, less `rawPacket`: Node's HTTP parser attaches the raw request
 * bytes (headers with the credential, a login body) to its errors, and Fastify logs them at trace.
 */
function errWithoutRawPacket(error: Error): ReturnType<typeof pino.stdSerializers.err> {
  const serialized = pino.stdSerializers.err(error);
  if (serialized !== null && typeof serialized === 'object' && 'rawPacket' in serialized) delete (serialized as { rawPacket?: unknown }).rawPacket;
  return serialized;
}

export function loggerOptions(level: ServerConfig['logLevel']): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: FastifyRequest) => ({ method: req.method, url: req.url, remoteAddress: req.ip, reqId: req.id }),
      res: (res: FastifyReply) => ({ statusCode: res.statusCode }),
      err: errWithoutRawPacket,
    },
  };
}

/** A pino logger with Vigie's redaction; `destination` lets tests capture its output. */
export function createLogger(level: ServerConfig['logLevel'], destination?: DestinationStream): Logger {
  return destination === undefined ? pino(loggerOptions(level)) : pino(loggerOptions(level), destination);
}
