// Strings a database cannot store, and times JavaScript cannot read, are refused by the report
// schema with a 400 naming the field, on both databases (issue 13, items 9 and 10). Before, a NUL
// or a lone surrogate reached PostgreSQL and failed there with a 500 (an agent then retried it
// for ever), and a leap second passed the date-time format and crashed the row's time codec.
import t from 'tap';
import type { Report } from '../../../policies/evidence.js';
import { backupSource, listener, withBackupSources, withListeners } from '../../helpers/report-builder.js';
import { bearer, DB_KINDS, enrollHost, reportOf, snapshot, testApp } from '../fixture.js';

for (const kind of DB_KINDS) {
  t.test(`${kind}: unstorable text and unreadable times are refused with a 400 naming the field`, async (t) => {
    const { app, db } = await testApp(t, kind);
    const host = await enrollHost(app, db);
    const post = (payload: unknown) =>
      app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: payload as Record<string, unknown> });
    t.equal((await post(reportOf(host))).statusCode, 201);
    const before = await snapshot(db);
    // The builder validates what it builds: spoil a valid report afterwards.
    const spoilt = (report: Report, spoil: (r: Report) => void): Report => {
      const copy = structuredClone(report);
      spoil(copy);
      return copy;
    };
    const backups = (r: Report) => (r.backups as { sources: { target: string; last_success_at: string | null }[] }).sources[0]!;

    const cases: { name: string; report: unknown; field: string; reason: RegExp }[] = [
      { name: 'NUL in the hostname', report: spoilt(reportOf(host), (r) => (r.host.hostname = 'srv\u0000x')), field: '/host/hostname', reason: /NUL/ },
      {
        name: 'NUL in a process name',
        report: spoilt(withListeners(reportOf(host), [listener(22, '0.0.0.0', 'tcp', 'sshd')]), (r) => {
          if ('listeners' in r.network && Array.isArray(r.network.listeners)) r.network.listeners[0]!.process = 'ssh\u0000d';
        }),
        field: '/network/listeners/0/process',
        reason: /NUL/,
      },
      {
        name: 'lone high surrogate in a backup target',
        report: spoilt(withBackupSources(reportOf(host), [backupSource(new Date().toISOString())]), (r) => (backups(r).target = '/srv/\ud800backup')),
        field: '/backups/sources/0/target',
        reason: /surrogate/,
      },
      { name: 'lone low surrogate in the agent version', report: { ...reportOf(host), agent_version: '1.0\udc00' }, field: '/agent_version', reason: /surrogate/ },
      { name: 'leap second in collected_at', report: { ...reportOf(host), collected_at: '2025-06-02T23:59:60Z' }, field: '/collected_at', reason: /leap second/ },
      { name: 'zone suffix in collected_at', report: { ...reportOf(host), collected_at: '2025-06-02T08:00:00Z[Europe/Paris]' }, field: '/collected_at', reason: /RFC 3339/ },
      {
        name: 'leap second in a backup time',
        report: spoilt(withBackupSources(reportOf(host), [backupSource(new Date().toISOString())]), (r) => (backups(r).last_success_at = '2025-06-01T23:59:60Z')),
        field: '/backups/sources/0/last_success_at',
        reason: /leap second/,
      },
    ];
    for (const c of cases) {
      const response = await post(c.report);
      t.equal(response.statusCode, 400, `${c.name}: 400`);
      const error = response.json().error as { code: string; details: { field: string; reason: string }[] };
      t.equal(error.code, 'invalid_body', c.name);
      const detail = error.details.find((d) => d.field === c.field);
      t.ok(detail, `${c.name}: names ${c.field} (got ${JSON.stringify(error.details)})`);
      t.match(detail?.reason ?? '', c.reason, `${c.name}: says why`);
    }
    t.same(await snapshot(db), before, 'nothing was stored');

    // Well-formed text beyond the BMP (a surrogate pair) and accents are stored as sent.
    const emoji = spoilt(reportOf(host), (r) => (r.host.hostname = 'poste-réa-😀'));
    t.equal((await post(emoji)).statusCode, 201, 'a surrogate pair is text like any other');
  });
}
