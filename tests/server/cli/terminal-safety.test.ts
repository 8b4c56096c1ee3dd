// CLI output with hostile input (issue 13, items 5 and 18): a host name with escape sequences is
// printed with its control characters escaped, in the table and in JSON (which still parses back
// to the same name); an unknown command with --help is a usage error.
import { createHash } from 'node:crypto';
import t from 'tap';
import { runCli } from '../../../server/cli/run.js';
import { processIo, terminalSafe, type CliIo } from '../../../server/cli/io.js';
import { bearer, DB_KINDS, enrollHost, readToken, TEST_NOW, testApp } from '../fixture.js';
import { enroll, movableClock, reportAt, send } from '../audit/helpers.js';

function capture(env: NodeJS.ProcessEnv = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), env };
}

const HOSTILE = 'gw\u001b]2;owned\u0007\u001b[2J\u009b31m\u007f\rsrv';
const RAW_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)/;

for (const kind of DB_KINDS) {
  t.test(`${kind}: host list escapes control characters`, async (t) => {
    const { app, db, dataDir, databaseUrl } = await testApp(t, kind);
    await enrollHost(app, db, { hostname: HOSTILE });
    const env: NodeJS.ProcessEnv = databaseUrl === null ? {} : { DATABASE_URL: databaseUrl };
    const table = capture(env);
    t.equal(await runCli(['host', 'list', '--data-dir', dataDir], table), 0, table.err.join(''));
    const text = table.out.join('');
    t.notMatch(text, RAW_CONTROL, 'no raw control character reaches the terminal');
    t.match(text, 'gw\\u001b]2;owned\\u0007\\u001b[2J\\u009b31m\\u007f\\u000dsrv', 'shown escaped, readable');
    const json = capture(env);
    t.equal(await runCli(['host', 'list', '--data-dir', dataDir, '--json'], json), 0);
    t.notMatch(json.out.join(''), RAW_CONTROL);
    t.equal((JSON.parse(json.out.join('')) as { hosts: { hostname: string }[] }).hosts[0]?.hostname, HOSTILE, 'JSON output keeps the exact name');
  });
}

// Documents are data: the audit report printed by `audit show` is the stored document byte for
// byte (its SHA-256 is in the audit log) even when a host name in it holds DEL, C1 or a lone CR,
// and the CSV keeps its CRLF line ends and the exact name inside its quoted cell.
for (const kind of DB_KINDS) {
  t.test(`${kind}: audit show writes the report's bytes unchanged`, async (t) => {
    const clock = movableClock(TEST_NOW);
    const { app, db, dataDir, databaseUrl } = await testApp(t, kind, { now: clock.now });
    const name = 'srv\u007f\u009b31m\rfake';
    const h = await enroll(app, db, 'ch-a', 'server', name);
    await send(t, app, h, reportAt(h, clock.now(), 200));
    const env: NodeJS.ProcessEnv = databaseUrl === null ? { VIGIE_DATA_DIR: dataDir } : { DATABASE_URL: databaseUrl, VIGIE_DATA_DIR: dataDir };
    const ran = capture(env);
    t.equal(await runCli(['audit', 'run', '--json'], ran), 0, ran.err.join(''));
    const run = JSON.parse(ran.out.join('')) as { audit_id: string; report_sha256: string };
    const json = capture(env);
    t.equal(await runCli(['audit', 'show', run.audit_id, '--format', 'json'], json), 0);
    t.equal(createHash('sha256').update(json.out.join('')).digest('hex'), run.report_sha256, 'the JSON printed is the hashed document');
    t.ok(json.out.join('').includes('\u007f'), 'the raw DEL of the stored document is there');
    const csv = capture(env);
    t.equal(await runCli(['audit', 'show', run.audit_id, '--format', 'csv', '--lang', 'en'], csv), 0);
    const text = csv.out.join('');
    t.ok(text.includes(`,"${name}",`), 'the exact host name, quoted');
    const api = await app.inject({ method: 'GET', url: `/api/v1/audits/${run.audit_id}?format=csv&lang=en`, headers: bearer(await readToken(db)) });
    t.equal(api.statusCode, 200);
    t.equal(text, api.body, 'the same bytes as the API download');
    t.equal(text.split('\r\n').length - 1, text.match(/\n/g)?.length, 'every line feed ends a CRLF record');
  });
}

t.test('processIo writes documents byte for byte when piped, escaped on a terminal', (t) => {
  const written: string[] = [];
  const write = process.stdout.write;
  const wasTTY = process.stdout.isTTY;
  try {
    process.stdout.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stdout.write;
    const io = processIo();
    process.stdout.isTTY = false;
    io.data?.('a\u001b[2J\rb\r\n');
    process.stdout.isTTY = true;
    io.data?.('a\u001b[2J\rb\r\n');
  } finally {
    process.stdout.write = write;
    process.stdout.isTTY = wasTTY;
  }
  t.same(written, ['a\u001b[2J\rb\r\n', 'a\\u001b[2J\\u000db\r\n']);
  t.end();
});

t.test('an unknown command with --help is a usage error; known ones still help', async (t) => {
  const unknown = capture();
  t.equal(await runCli(['bogus', 'thing', '--help'], unknown), 2);
  t.match(unknown.err.join(''), /unknown command "bogus thing"/);
  t.equal(await runCli(['--help'], capture()), 0);
  t.equal(await runCli(['host', '--help'], capture()), 0);
  t.equal(await runCli(['host', 'list', '--help'], capture()), 0);
});

t.test('bidi embeddings, overrides and isolates are escaped in human-readable output (issue 13, item 5)', (t) => {
  // "srv-\u202Egpj.exe" shows as "srv-exe.jpg" on a terminal that applies the override.
  t.equal(terminalSafe('srv-\u202egpj.exe'), 'srv-\\u202egpj.exe');
  const all = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069].map((c) => String.fromCharCode(c)).join('');
  t.equal(terminalSafe(all), '\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069');
  t.equal(terminalSafe('Hôpital \u200e ok \u2065'), 'Hôpital \u200e ok \u2065', 'other characters, accents included, are left alone');
  t.same(JSON.parse(terminalSafe(JSON.stringify({ name: 'a\u202eb' }))), { name: 'a\u202eb' }, 'JSON output still parses back to the exact value');
  t.end();
});
