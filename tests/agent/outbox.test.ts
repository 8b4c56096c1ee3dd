import t from 'tap';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox } from '../../agent/outbox.js';
import { buildReport } from '../helpers/report-builder.js';

const freshOutbox = () => new Outbox(mkdtempSync(join(tmpdir(), 'vigie-outbox-')));

t.test('reports come back oldest first and leave only when acknowledged', async (t) => {
  const outbox = freshOutbox();
  const first = buildReport();
  const second = buildReport();
  outbox.enqueue(first);
  outbox.enqueue(second);
  const pending = outbox.pending();
  t.equal(pending.length, 2);
  t.equal(JSON.parse(outbox.read(pending[0]!)).report_id, first.report_id);
  t.equal(JSON.parse(outbox.read(pending[1]!)).report_id, second.report_id);
  outbox.acknowledge(pending[0]!);
  t.same(
    outbox.pending().map((e) => JSON.parse(outbox.read(e)).report_id),
    [second.report_id],
  );
});

t.test('a half-written temp file (crash before rename) is ignored, not sent', async (t) => {
  const outbox = freshOutbox();
  writeFileSync(join(outbox.dir, '.000000000000001-000000-x.json.tmp'), '{"trunc');
  outbox.enqueue(buildReport());
  t.equal(outbox.pending().length, 1);
});

t.test('a refused report is moved aside with its reason and no longer pending', async (t) => {
  const outbox = freshOutbox();
  const entry = outbox.enqueue(buildReport());
  outbox.reject(entry, '400 schema_invalid: /network must be object');
  t.equal(outbox.pending().length, 0);
  t.same(readdirSync(outbox.rejectedDir).sort(), [entry.name, `${entry.name}.reason.txt`]);
});
