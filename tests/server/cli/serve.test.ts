import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { runCli } from '../../../server/cli/run.js';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-serve-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

t.test('vigie server start refuses a missing configured key or an open key file (exit 2, clear message)', async (t) => {
  const dataDir = tempDir(t);
  const missing = join(dataDir, 'nowhere.key');
  const absent = await cli(['server', 'start', '--port', '0', '--data-dir', dataDir, '--secrets-key-file', missing]);
  t.equal(absent.code, 2);
  t.match(absent.err, /configured secrets key file .*nowhere\.key does not exist/);
  t.notOk(existsSync(missing));
  t.notOk(existsSync(join(dataDir, 'vigie.sqlite')), 'stopped before opening the database');

  t.equal((await cli(['server', 'init', '--data-dir', dataDir, '--secrets-key-only'])).code, 0);
  chmodSync(join(dataDir, 'secrets.key'), 0o640);
  const open = await cli(['server', 'start', '--port', '0', '--data-dir', dataDir]);
  t.equal(open.code, 2);
  t.match(open.err, /secrets\.key has mode 0640: group and others must have no access to it\. Run `chmod 600/);
  t.notOk(existsSync(join(dataDir, 'vigie.sqlite')));
});
