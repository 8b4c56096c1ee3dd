import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCommand, stderrSummary } from '../../agent/run-command.js';

const node = process.execPath;
const quick = { timeoutMs: 10_000, maxOutputBytes: 1024 * 1024 };

t.test('returns stdout, stderr and the exit code, arguments passed verbatim (no shell)', async (t) => {
  const result = await runCommand(node, ['-e', 'process.stdout.write(process.argv[1]); process.stderr.write("warn"); process.exit(3)', '$(echo pwned); *'], quick);
  t.same(result, { ok: true, stdout: '$(echo pwned); *', stderr: 'warn', code: 3 });
});

t.test('a missing binary says not installed', async (t) => {
  const result = await runCommand('/nonexistent/vigie-tool', [], quick);
  t.equal(result.ok, false);
  if (!result.ok) {
    t.equal(result.failure, 'not_found');
    t.match(result.reason, /vigie-tool: not installed/);
  }
});

t.test('a non-executable file says permission denied', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-run-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tool');
  writeFileSync(file, '#!/bin/sh\necho hi\n');
  chmodSync(file, 0o644);
  const result = await runCommand(file, [], quick);
  t.equal(result.ok, false);
  if (!result.ok) {
    t.equal(result.failure, 'permission');
    t.match(result.reason, /permission denied/);
  }
});

t.test('a tool that hangs is killed at the timeout', async (t) => {
  const result = await runCommand(node, ['-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 300, maxOutputBytes: 1024 });
  t.equal(result.ok, false);
  if (!result.ok) {
    t.equal(result.failure, 'timeout');
    t.match(result.reason, /timed out after 300 ms/);
  }
});

t.test('a tool that prints too much is stopped at the cap', async (t) => {
  const result = await runCommand(node, ['-e', 'process.stdout.write("x".repeat(200000))'], { timeoutMs: 10_000, maxOutputBytes: 1000 });
  t.equal(result.ok, false);
  if (!result.ok) {
    t.equal(result.failure, 'output_cap');
    t.match(result.reason, /output exceeded 1000 bytes/);
  }
});

t.test('the reason names the tool but never its arguments (they may hold secrets)', async (t) => {
  const result = await runCommand('/nonexistent/restic', ['-r', 'rest:https://u:secret@host/'], quick);
  t.equal(result.ok, false);
  if (!result.ok) t.notMatch(result.reason, /secret/);
});

t.test('a NUL byte in an argument is refused, not crashed on', async (t) => {
  const result = await runCommand(node, ['a\0b'], quick);
  t.equal(result.ok, false);
  if (!result.ok) t.equal(result.failure, 'spawn');
});

t.test('invalid limits are programming errors', async (t) => {
  t.throws(() => runCommand(node, [], { timeoutMs: 0, maxOutputBytes: 10 }), RangeError);
  t.throws(() => runCommand(node, [], { timeoutMs: 10, maxOutputBytes: -1 }), RangeError);
});

t.test('stderrSummary joins non-empty lines and bounds the length', async (t) => {
  t.equal(stderrSummary('\nFatal: wrong password\n\nIs there a repo?\n'), 'Fatal: wrong password | Is there a repo?');
  t.equal(stderrSummary('x'.repeat(1000), 20).length, 20);
});
