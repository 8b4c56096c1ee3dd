// agent/report.ts: what one collection cycle sends.
import tap from 'tap';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import { assembleReport } from '../../agent/report.js';
import { assertValidReport, buildReport } from '../helpers/report-builder.js';

const sample = buildReport();
const evidence = { network: sample.network, wifi: sample.wifi, backups: sample.backups, mfa: sample.mfa };

tap.test('a report validates against the schema and carries its collection time', async (t) => {
  const collectedAt = new Date('2026-11-22T03:00:00.000Z');
  const report = assertValidReport(assembleReport(sample.host, evidence, collectedAt));
  t.equal(report.collected_at, '2026-11-22T03:00:00.000Z');
  t.same(report.host, sample.host);
});

tap.test('report ids are UUID v7 ordered by collection time, and unique within one instant', async (t) => {
  const at = (iso: string) => assembleReport(sample.host, evidence, new Date(iso)).report_id;
  const ids = ['2026-11-22T03:00:00.000Z', '2026-11-22T03:00:00.001Z', '2026-11-22T04:00:00.000Z', '2027-01-01T00:00:00.000Z'].map(at);
  for (const id of ids) {
    t.ok(isUuid(id), `${id} is a UUID`);
    t.equal(uuidVersion(id), 7, `${id} is version 7`);
  }
  t.same([...ids].sort(), ids, 'later collections sort after earlier ones');
  // The first 48 bits are the collection time in milliseconds.
  t.equal(Number.parseInt(ids[0]!.replaceAll('-', '').slice(0, 12), 16), Date.parse('2026-11-22T03:00:00.000Z'));
  const sameInstant = new Set(Array.from({ length: 1000 }, () => at('2026-11-22T03:00:00.000Z')));
  t.equal(sameInstant.size, 1000, 'a thousand reports of one instant get a thousand ids');
});

tap.test('a NUL or lone surrogate read on the host is replaced, so the report stays deliverable', async (t) => {
  // What a poisoned backup status file or process name gives a collector.
  const poisoned = structuredClone(evidence);
  const backups = poisoned.backups as { sources: { target: string }[] };
  backups.sources[0]!.target = '/srv/\u0000backup\ud800';
  const host = { ...sample.host, hostname: 'poste\udc00-😀' };
  const report = assertValidReport(assembleReport(host, poisoned, new Date('2026-11-22T03:00:00.000Z')));
  t.equal((report.backups as { sources: { target: string }[] }).sources[0]!.target, '/srv/\uFFFDbackup\uFFFD');
  t.equal(report.host.hostname, 'poste\uFFFD-😀', 'a well-formed surrogate pair is kept');
  t.equal(evidence.backups, sample.backups, 'the collected evidence itself is not modified');
});
