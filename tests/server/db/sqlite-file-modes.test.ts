// Issue 13, item 15: the SQLite database and its -wal and -shm files are created 0600 even in an
// existing data folder and under the usual umask 022, and Vigie (the server and every CLI command)
// refuses an existing folder or database file that other users can access, naming the path and
// the chmod to run.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { runCli } from '../../../server/cli/run.js';
import { openDatabase, SQLITE_FILE_NAME } from '../../../server/db/database.js';
import { createEnrollmentToken } from '../../../server/auth/tokens.js';
import { startServer } from '../../../server/start.js';
import { TEST_NOW } from '../fixture.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-modes-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Open, write (so the WAL and shared-memory files exist), and return the three files' modes. */
async function createdModes(dataDir: string): Promise<Record<string, number>> {
  const db = await openDatabase({ dataDir });
  try {
    await createEnrollmentToken(db, { site: 'ch-a', role: 'server', now: TEST_NOW });
    const file = join(dataDir, SQLITE_FILE_NAME);
    return { db: modeOf(file), wal: modeOf(`${file}-wal`), shm: modeOf(`${file}-shm`) };
  } finally {
    await db.destroy();
  }
}

t.test('the database files are created 0600 under umask 022, in an existing or a new folder', async (t) => {
  const previous = process.umask(0o022);
  t.teardown(() => void process.umask(previous));
  const root = tempDir(t);
  const existing = join(root, 'existing');
  mkdirSync(existing, { mode: 0o700 });
  t.same(await createdModes(existing), { db: 0o600, wal: 0o600, shm: 0o600 }, 'existing private folder');
  const fresh = join(root, 'new', 'data');
  t.same(await createdModes(fresh), { db: 0o600, wal: 0o600, shm: 0o600 }, 'new folder');
  t.equal(modeOf(fresh), 0o700, 'a folder made by Vigie is 0700');
  // Group access granted by the operator (a backup group) is their choice, and kept.
  chmodSync(existing, 0o750);
  chmodSync(join(existing, SQLITE_FILE_NAME), 0o640);
  const again = await openDatabase({ dataDir: existing });
  await again.destroy();
  t.equal(modeOf(join(existing, SQLITE_FILE_NAME)), 0o640);
});

t.test('a folder or database file others can access stops the server and the CLI, with the chmod to run', async (t) => {
  const root = tempDir(t);
  const dataDir = join(root, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  await (await openDatabase({ dataDir })).destroy();
  const file = join(dataDir, SQLITE_FILE_NAME);
  const cases: Array<[string, string, number]> = [
    ['data folder', dataDir, 0o755],
    ['data folder', dataDir, 0o701],
    ['database file', file, 0o644],
    ['database file', file, 0o602],
    ['database file', `${file}-wal`, 0o644],
    ['database file', `${file}-shm`, 0o604],
  ];
  for (const [what, path, mode] of cases) {
    if (path.endsWith('-wal') || path.endsWith('-shm')) {
      // Leave a WAL and shared-memory file behind, as a running or killed server does.
      const db = await openDatabase({ dataDir });
      t.teardown(() => db.destroy());
      await createEnrollmentToken(db, { site: 'ch-a', role: 'server', now: TEST_NOW });
    }
    const before = modeOf(path);
    chmodSync(path, mode);
    const shown = mode.toString(8).padStart(4, '0');
    const message = `The ${what} ${path} has mode ${shown}: other users of this machine can access it`;
    await t.rejects(openDatabase({ dataDir }), { name: 'DataFileModeError', message: new RegExp(`${escape(message)}.*Run \`chmod o-rwx ${escape(path)}\``) }, `${path} ${shown}`);
    await t.rejects(startServer({ dataDir, port: 0, host: '127.0.0.1', allowInsecureHttp: true, logLevel: 'silent' }, { env: {} }), { name: 'DataFileModeError', message: new RegExp(escape(message)) }, 'the server does not start');
    const err: string[] = [];
    const code = await runCli(['host', 'list', '--data-dir', dataDir], { stdout: () => undefined, stderr: (s) => err.push(s), env: {} });
    t.equal(code, 1, 'a CLI command fails too');
    t.match(err.join(''), `chmod o-rwx ${path}`);
    t.equal(modeOf(path), mode, 'left as it was, not silently changed');
    chmodSync(path, before);
  }
  const db = await openDatabase({ dataDir });
  t.teardown(() => db.destroy());
  t.pass('opens again once fixed');
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
