// Requests Fastify refuses itself (issue 13, items 12 and 18): the documented error shape, and no
// raw request bytes in the logs even at trace level. Database-independent: run on SQLite only.
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import t from 'tap';
import { buildApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { listen, openTestDatabase, testConfig, TEST_NOW } from './fixture.js';

/** Send raw bytes, read until the server closes or ends the answer. */
function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('close', () => resolve(answer));
    socket.on('error', (error) => (answer === '' ? reject(error) : resolve(answer)));
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

const bodyOf = (answer: string): unknown => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

t.test('client errors have the error shape and leave no raw bytes in the logs', async (t) => {
  const database = await openTestDatabase(t, 'sqlite');
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  const app = buildApp({ db: database.db, config: testConfig(database.dataDir, null), now: () => TEST_NOW, logger: createLogger('trace', sink) });
  t.teardown(() => app.close());
  const port = Number(new URL(await listen(app)).port);

  const malformed = await rawRequest(port, 'POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer host.SECRET-CREDENTIAL-XYZ\r\nContent-Length: nope\r\n\r\n');
  t.match(malformed, /^HTTP\/1\.1 400 /);
  t.same(bodyOf(malformed), { error: { code: 'malformed_request', message: 'The request is not valid HTTP.' } });

  const huge = await rawRequest(port, `GET /api/v1/hosts HTTP/1.1\r\nHost: x\r\nCookie: session=SECRET-COOKIE-XYZ\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`);
  t.match(huge, /^HTTP\/1\.1 431 /);
  t.same(bodyOf(huge), { error: { code: 'headers_too_large', message: 'The request line and headers exceed the size allowed.' } });

  const long = await app.inject({ method: 'GET', url: `/api/v1/hosts/${'x'.repeat(200)}/verdicts` });
  t.equal(long.statusCode, 414);
  t.equal(long.json().error.code, 'uri_too_long');
  const badUrl = await app.inject({ method: 'GET', url: '/api/v1/hosts/%E0%A4%A/verdicts' });
  t.equal(badUrl.statusCode, 400);
  t.equal(badUrl.json().error.code, 'bad_url');

  // A parser error carries rawPacket; logged by anyone through the logger, it is dropped.
  const parserError = Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID', rawPacket: Buffer.from('Authorization: Bearer SECRET-PACKET-XYZ') });
  app.log.trace({ err: parserError }, 'client error');
  const text = lines.join('');
  t.match(text, /client error/, 'client errors are logged');
  for (const secret of ['SECRET-CREDENTIAL-XYZ', 'SECRET-COOKIE-XYZ', 'SECRET-PACKET-XYZ']) t.notOk(text.includes(secret), `${secret} is not in the logs`);
  t.notMatch(text, /rawPacket/);
});
