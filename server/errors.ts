// The one error shape every 4xx/5xx answer has: { error: { code, message, details? } }.
import { Type, type Static } from 'typebox';

export const ErrorDetail = Type.Object(
  {
    /** JSON pointer of the offending field inside the request part, e.g. "/host/role". */
    field: Type.String(),
    reason: Type.String(),
  },
  { additionalProperties: false },
);
export type ErrorDetail = Static<typeof ErrorDetail>;

export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String(),
        message: Type.String(),
        details: Type.Optional(Type.Array(ErrorDetail)),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** A refusal meant for the client: its status, code and message are sent as they are. */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
}

/** Refusal of work queued while the server stops (ingestion); agents retry later. */
export const shuttingDown = (): ApiError => new ApiError(503, 'shutting_down', 'The server is shutting down; retry later.');

export function errorBody(code: string, message: string, details?: ErrorDetail[]): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
