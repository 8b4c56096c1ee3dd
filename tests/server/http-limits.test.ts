// Slow clients and connection hoarders, with real sockets on loopback: a body that trickles in,
// headers that never end, and more connections from one address than allowed. Every wait is for
// an event, bounded; the trickling loops are bounded in count.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { DB_KINDS, listen, testApp } from './fixture.js';

/** Resolves with what the server sent once it closes the socket, or null after `boundMs`. */
function closedBy(socket: Socket, boundMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    const timer = setTimeout(() => resolve(null), boundMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

function open(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Write `text` a few bytes at a time while the socket is open (at most `steps` writes). */
async function trickle(socket: Socket, text: string, steps: number, everyMs: number): Promise<void> {
  for (let i = 0; i < steps && !socket.destroyed; i++) {
    socket.write(text[i % text.length] ?? 'x');
    await sleep(everyMs);
  }
}

const portOf = (base: string) => Number(new URL(base).port);
const BOUND_MS = 20_000;

for (const kind of DB_KINDS) {
  t.test(`HTTP limits (${kind})`, async (t) => {
    const { app } = await testApp(t, kind, { config: { requestTimeoutMs: 1_000, headersTimeoutMs: 800, maxConnectionsPerAddress: 3 } });
    const port = portOf(await listen(app));

    t.test('a body that trickles in is cut with 408', async (t) => {
      const socket = await open(port);
      t.teardown(() => socket.destroy());
      const closed = closedBy(socket, BOUND_MS);
      socket.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      void trickle(socket, '"username":"a",', 400, 50);
      const answer = await closed;
      t.not(answer, null, `the server closed the connection within ${BOUND_MS} ms`);
      t.match(answer ?? '', /^HTTP\/1\.1 408 /);
      t.match(answer ?? '', /"code":"request_timeout"/);
    });

    t.test('headers that never end are cut with 408', async (t) => {
      const socket = await open(port);
      t.teardown(() => socket.destroy());
      const closed = closedBy(socket, BOUND_MS);
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      void trickle(socket, 'X-Slow: y\r\n', 400, 50);
      const answer = await closed;
      t.not(answer, null, `the server closed the connection within ${BOUND_MS} ms`);
      t.match(answer ?? '', /^HTTP\/1\.1 408 /);
    });

    t.test('connections from one address beyond the limit are closed; other addresses are served', async (t) => {
      const held = await Promise.all([open(port, '127.0.0.7'), open(port, '127.0.0.7'), open(port, '127.0.0.7')]);
      t.teardown(() => held.forEach((s) => s.destroy()));
      const extra = await open(port, '127.0.0.7');
      const closed = await closedBy(extra, BOUND_MS);
      t.equal(closed, '', 'the fourth connection is closed at once, unanswered');

      const other = await open(port, '127.0.0.8');
      const answered = closedBy(other, BOUND_MS);
      other.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      t.match(await answered, /^HTTP\/1\.1 200 /, 'another address is served');

      // A held connection closes: its address may open one again.
      const gone = new Promise((resolve) => held[0]!.once('close', resolve));
      held[0]!.destroy();
      await gone;
      let again: string | null = '';
      for (let i = 0; i < 100 && again === ''; i++) {
        const next = await open(port, '127.0.0.7');
        const reply = closedBy(next, BOUND_MS);
        next.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        again = await reply;
        if (again === '') await sleep(20); // the server had not yet seen the close
      }
      t.match(again, /^HTTP\/1\.1 200 /, 'a freed place can be used again');
    });
  });
}
