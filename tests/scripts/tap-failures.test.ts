// The test command's failure digest (scripts/tap-failures.mjs): fed the real TAP a real tap run
// prints, it names each failing assertion by its path (file > subtest > assertion) with where it
// failed and the diff, and nothing that passed; a crash without assertions is named too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { childEnv } from '../helpers/child-env.js';
import { TapFailures } from '../../scripts/tap-failures.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TAP_BIN = join(ROOT, 'node_modules/.bin/tap');
const TAP_MODULE = import.meta.resolve('tap');

function runTap(t: Test, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-tap-failures-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'sample.test.mjs'), source.replace('TAP_MODULE', TAP_MODULE));
  // tap runs from the project (it loads its plugins from there); the sample imports tap by URL.
  const run = spawnSync(TAP_BIN, ['--reporter=tap', '--disable-coverage', join(dir, 'sample.test.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    env: childEnv(),
  });
  return run.stdout;
}

function digestOf(text: string, chunk = 37, opts?: { maxFailures: number }): string {
  const d = new TapFailures(opts);
  for (let i = 0; i < text.length; i += chunk) d.write(text.slice(i, i + chunk));
  d.end();
  return d.report();
}

t.test('a real tap run: each failing assertion by its path, with where and the diff', async (t) => {
  const out = runTap(
    t,
    [
      "import t from 'TAP_MODULE';",
      "t.test('group one', async (t) => {",
      "  t.test('inner', async (t) => { t.equal(1, 2, 'numbers agree'); t.ok(true, 'fine passes'); });",
      "  t.equal('a', 'a', 'letters agree');",
      '});',
      "t.test('group two', async (t) => { t.ok(true, 'two passes'); });",
      "t.test('crash', async () => { throw new Error('boom'); });",
      "t.fail('top level failure');",
      '',
    ].join('\n'),
  );
  t.match(out, /not ok \d+ - numbers agree/, 'tap itself ran and failed');
  const report = digestOf(out);
  t.match(report, /^# Failed tests \(3\):/);
  t.match(report, /not ok - \S*sample\.test\.mjs > group one > inner > numbers agree\n/);
  t.match(report, /fileName: \S*sample\.test\.mjs\n\s+lineNumber: 3/);
  t.match(report, /-2\n\s+\+1/, 'the diff is kept');
  t.match(report, /not ok - \S*sample\.test\.mjs > crash > boom/);
  t.match(report, /not ok - \S*sample\.test\.mjs > top level failure/);
  t.notMatch(report, /passes|letters agree/, 'nothing that passed');
  t.notMatch(report, /sample\.test\.mjs > group one\n/, 'a parent is not repeated');
  t.notMatch(report, /source:|stack:|import t from/, 'source and stack are left out');
  t.equal(digestOf(out, 1), report, 'the same digest whatever the chunking');
});

t.test('a passing run gives no digest', async (t) => {
  const out = runTap(t, "import t from 'TAP_MODULE';\nt.test('fine', async (t) => { t.ok(true); });\n");
  t.match(out, /^ok 1 - \S*sample\.test\.mjs/m);
  t.equal(digestOf(out), '');
});

t.test('a failure with no diagnostic does not swallow the lines after it', async (t) => {
  const text = [
    '# Subtest: tests/a.test.ts',
    '    not ok 1 - bare failure',
    '    # Subtest: later',
    '        not ok 1 - second failure',
    '          ---',
    '          found: 1',
    '          wanted: 2',
    '          ...',
    '    not ok 2 - later',
    '    1..2',
    'not ok 1 - tests/a.test.ts',
    '# Subtest: tests/b.test.ts',
    '    1..0',
    'not ok 2 - tests/b.test.ts # time=600000ms',
    '  ---',
    '  signal: SIGTERM',
    '  message: timeout!',
    '  ...',
    '',
  ].join('\n');
  const report = digestOf(text);
  t.match(report, /^# Failed tests \(3\):/);
  t.match(report, /not ok - tests\/a\.test\.ts > bare failure\nnot ok - tests\/a\.test\.ts > later > second failure\n\s+found: 1\n\s+wanted: 2/);
  t.match(report, /not ok - tests\/b\.test\.ts\n\s+message: timeout!/, 'a file that failed without an assertion (timeout) is named');
});

t.test('the digest is bounded and says how many it left out', async (t) => {
  const lines = ['# Subtest: tests/many.test.ts'];
  for (let i = 1; i <= 30; i++) lines.push(`    not ok ${i} - failure ${i}`);
  lines.push('not ok 1 - tests/many.test.ts', '');
  const report = digestOf(lines.join('\n'), 37, { maxFailures: 5 });
  t.match(report, /^# Failed tests \(30\):/);
  t.equal(report.split('\n').filter((l) => l.startsWith('not ok - ')).length, 5);
  t.match(report, /# \.\.\. and 25 more$/);
});
