// Every string a request carries (JSON or form body, query string, path parameters) must be text
// every database can store: no NUL, no unpaired UTF-16 surrogate. PostgreSQL refuses both (a NUL
// failed an insert with a 500 on routes whose schema did not forbid it; SQLite stored it), so
// they are refused here, once for every route, with the 400 a schema refusal has.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Stream } from 'node:stream';
import { isStorableText } from '../policies/storable-text.js';
import { ApiError, type ErrorDetail } from './errors.js';

export const UNSTORABLE_TEXT_REASON = 'contains a NUL character or an unpaired UTF-16 surrogate, which cannot be stored';

const MAX_DETAILS = 20;
const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  // Parsed JSON, form bodies, and the query string and params objects (their prototypes are
  // their parsers' own); never a raw body (a stream or bytes: those are the route's to read).
  return !(value instanceof Stream) && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer);
}

/** JSON pointers of the strings (values and keys) in `value` that cannot be stored; iterative, so deep nesting cannot overflow. */
export function unstorableFields(value: unknown): string[] {
  const found: string[] = [];
  const pending: { value: unknown; pointer: string }[] = [{ value, pointer: '' }];
  while (pending.length > 0 && found.length < MAX_DETAILS) {
    const { value: v, pointer } = pending.pop()!;
    if (typeof v === 'string') {
      if (!isStorableText(v)) found.push(pointer);
    } else if (isPlainContainer(v)) {
      for (const [key, item] of Object.entries(v)) {
        const at = `${pointer}/${escapePointer(key)}`;
        if (!isStorableText(key)) found.push(at);
        pending.push({ value: item, pointer: at });
      }
    }
  }
  return found.sort();
}

const PARTS = [
  ['params', (r: FastifyRequest) => r.params],
  ['querystring', (r: FastifyRequest) => r.query],
  ['body', (r: FastifyRequest) => r.body],
] as const;

/** The 400 for the first request part holding unstorable text, or null when every string can be stored. */
export function unstorableInputError(request: FastifyRequest): ApiError | null {
  for (const [part, read] of PARTS) {
    const fields = unstorableFields(read(request));
    if (fields.length === 0) continue;
    const details: ErrorDetail[] = fields.map((field) => ({ field: field === '' ? '/' : field, reason: UNSTORABLE_TEXT_REASON }));
    return new ApiError(400, `invalid_${part}`, `Invalid ${part}: ${details[0]!.field} ${UNSTORABLE_TEXT_REASON}.`, details);
  }
  return null;
}

/** Adds the check to every route of `app`, before schema validation (a route's own hooks come after). */
export function refuseUnstorableInput(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const error = unstorableInputError(request);
    if (error !== null) throw error;
  });
}
