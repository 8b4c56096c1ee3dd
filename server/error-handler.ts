// Turns anything thrown while handling a request into the one error format, without leaking
// internals: client errors say what was wrong; server errors say only that something failed.
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { TIMESTAMP_PATTERN } from '../policies/evidence.js';
import { STORABLE_TEXT_PATTERN } from '../policies/storable-text.js';
import { ApiError, errorBody, type ErrorBody, type ErrorDetail } from './errors.js';

const MAX_DETAILS = 20;

/** Patterns whose "must match pattern ..." would not tell a person what is wrong. */
const PATTERN_REASONS: Record<string, string> = {
  [STORABLE_TEXT_PATTERN]: 'contains a NUL character or an unpaired UTF-16 surrogate, which cannot be stored',
  [TIMESTAMP_PATTERN]: 'must be an RFC 3339 time JavaScript can read (no leap second 23:59:60, no [zone] suffix)',
};

/** Fastify's own 4xx error codes, renamed to Vigie's codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
};

const GENERIC_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'body_too_large',
  415: 'unsupported_media_type',
};

/** One detail per offending field; unknown fields are named as such. */
export function validationDetails(errors: readonly FastifySchemaValidationError[]): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  const add = (field: string, reason: string) => {
    const key = `${field}\u0000${reason}`;
    if (seen.has(key) || details.length >= MAX_DETAILS) return;
    seen.add(key);
    details.push({ field: field === '' ? '/' : field, reason });
  };
  for (const e of errors) {
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'additionalProperties' && Array.isArray(params.additionalProperties)) {
      for (const name of params.additionalProperties) add(`${e.instancePath}/${String(name)}`, 'unknown field (not allowed)');
    } else if (e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')) {
      add(e.instancePath, 'unknown field (not allowed)');
    } else if (e.keyword === 'pattern' && typeof params.pattern === 'string' && PATTERN_REASONS[params.pattern] !== undefined) {
      add(e.instancePath, PATTERN_REASONS[params.pattern] ?? 'does not match its pattern');
    } else {
      add(e.instancePath, e.message ?? e.keyword);
    }
  }
  return details;
}

export function toErrorResponse(error: FastifyError | ApiError | Error): { status: number; body: ErrorBody } {
  if (error instanceof ApiError) {
    return { status: error.statusCode, body: errorBody(error.code, error.message, error.details) };
  }
  const fastifyError = error as FastifyError;
  if (Array.isArray(fastifyError.validation)) {
    const part = fastifyError.validationContext ?? 'request';
    const details = validationDetails(fastifyError.validation);
    const first = details[0];
    const message =
      first === undefined ? `Invalid ${part}.` : `Invalid ${part}: ${first.field} ${first.reason}.`;
    return { status: 400, body: errorBody(`invalid_${part}`, message, details) };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const mapped = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
    const code = mapped ?? GENERIC_CODES[status] ?? 'bad_request';
    // Fastify's own client-error messages describe the request, never the server's internals;
    // a JSON SyntaxError says where parsing stopped.
    const message = code === 'malformed_json' ? `Malformed JSON body: ${fastifyError.message}` : fastifyError.message;
    return { status, body: errorBody(code, message) };
  }
  return { status: 500, body: errorBody('internal_error', 'Internal server error.') };
}

export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorResponse(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.error.code, status }, 'request refused');
  void reply.status(status).send(body);
}
