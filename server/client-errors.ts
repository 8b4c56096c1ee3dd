// Requests Fastify refuses before any route or error handler runs: unparseable HTTP (400), headers
// or request line too large (431), a request timing out (408), a URL that does not decode (400) or
// a path parameter too long (414). They get Vigie's one error shape, like every other refusal,
// and are logged without the raw bytes of the request (Node attaches them to the parser error as
// `rawPacket`: an agent credential or a login password could be inside).
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { errorBody } from './errors.js';

const HEADERS = 'Content-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store';

/** Status, code and message of a client error of Node's HTTP parser. */
export function clientErrorAnswer(error: { code?: string }): { status: number; code: string; message: string } {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: 'request_timeout', message: 'The request was not received in time.' };
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, code: 'headers_too_large', message: 'The request line and headers exceed the size allowed.' };
  }
  return { status: 400, code: 'malformed_request', message: 'The request is not valid HTTP.' };
}

/** Fastify's clientErrorHandler, bound to the app (so `this.log` is its logger). */
export function clientErrorHandler(this: { log: FastifyBaseLogger }, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = clientErrorAnswer(error);
  // The parser's code and reason only: never the error object, which carries rawPacket.
  this.log.debug({ code: error.code, reason: error.message, status: answer.status }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(errorBody(answer.code, answer.message));
    socket.write(
      `HTTP/1.1 ${answer.status} ${http.STATUS_CODES[answer.status]}\r\n${HEADERS}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** A find-my-way handler answering `status` with Vigie's error shape (raw: no Fastify reply exists yet). */
function rawRefusal(status: number, code: string, message: string) {
  return (_path: string, _request: http.IncomingMessage, response: http.ServerResponse): void => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    response.end(JSON.stringify(errorBody(code, message)));
  };
}

/** routerOptions of the app: URLs refused by the router itself. */
export const routerRefusals = {
  onBadUrl: rawRefusal(400, 'bad_url', 'The URL does not decode (invalid percent-encoding).'),
  onMaxParamLength: rawRefusal(414, 'uri_too_long', 'A path parameter of the URL is too long.'),
};
