// Verdicts shown from a stored verdict set: explanations derived again with the pack that judged
// (equal to what ingestion computed), and the stored statuses shown as they were, with the
// reason, when that pack is gone, the report was pruned, or judging again disagrees.
import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import { packFor, packForRole, type SiteOverlay } from '../../../policies/pack.js';
import { findHost } from '../../../server/db/hosts.js';
import { applyEvidenceRetention } from '../../../server/ingestion/retention.js';
import { reportVerdicts } from '../../../server/verdicts/verdict-details.js';
import { listener, withListeners } from '../../helpers/report-builder.js';
import { bearer, DB_KINDS, enrollHost, readToken, reportOf, testApp, TEST_NOW } from '../fixture.js';

for (const kind of DB_KINDS) {
  t.test(`verdict details (${kind})`, async (t) => {
    const { app, db } = await testApp(t, kind);
    const host = await enrollHost(app, db);
    // VNC on every interface: NET-05 fails, so the statuses are not all alike.
    const report = withListeners(reportOf(host), [listener(5900, '0.0.0.0', 'tcp', 'x11vnc')]);
    const sent = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: report });
    t.equal(sent.statusCode, 201, sent.body);
    const pack = packForRole('server');
    const expected = evaluate(report, pack, TEST_NOW);

    await t.test('derived again with the same pack: exactly what ingestion judged', async (t) => {
      const shown = await reportVerdicts(db, report.report_id, pack);
      t.equal(shown?.source, 'derived');
      t.same(shown?.verdicts, expected);
      t.equal(shown?.evaluated_at, TEST_NOW.toISOString());
      t.equal(shown?.pack_label, 'server v2');
      const api = await app.inject({ method: 'GET', url: `/api/v1/hosts/${host.host_id}/verdicts`, headers: bearer(await readToken(db)) });
      t.equal(api.json().verdicts_source, 'derived');
      t.equal(api.json().pack, 'server v2');
      t.same(api.json().verdicts, expected.map((v) => ({ ...v, evaluated_at: TEST_NOW.toISOString() })));
      t.same(sent.json().verdicts.fail, expected.filter((v) => v.status === 'fail').length);
    });

    await t.test('another pack is loaded now: the stored statuses, never a silent re-judgement', async (t) => {
      const overlay: SiteOverlay = { file: 'ch-demo.yaml', site: host.site, version: 9, parameters: {}, overrides: [], allowlist: [] };
      const other = packFor('server', host.site, undefined, new Map([[host.site, overlay]]));
      t.not(other, pack);
      const shown = await reportVerdicts(db, report.report_id, other);
      t.equal(shown?.source, 'statuses_only');
      t.same(
        shown?.verdicts.map((v) => [v.rule_id, v.status, v.severity]),
        expected.map((v) => [v.rule_id, v.status, v.severity]),
      );
      for (const v of shown?.verdicts ?? []) {
        t.match(v.explanation.fr, /server v2/);
        t.match(v.explanation.en, /no longer applies/);
        t.same(v.evidence, []);
      }
    });

    await t.test('a recorded status that judging again contradicts is shown as recorded, and said so', async (t) => {
      const failing = expected.find((v) => v.status === 'fail');
      if (failing === undefined) throw new Error('the report was meant to fail a rule');
      const row = await db.selectFrom('verdict_sets').select('statuses').where('report_id', '=', report.report_id).executeTakeFirstOrThrow();
      const statuses = (typeof row.statuses === 'string' ? JSON.parse(row.statuses) : row.statuses) as Record<string, [string, string]>;
      statuses[failing.rule_id] = ['pass', failing.severity];
      await db.updateTable('reports').set({ statuses: JSON.stringify(statuses) }).where('report_id', '=', report.report_id).execute();
      const shown = await reportVerdicts(db, report.report_id, pack);
      t.equal(shown?.source, 'statuses_only');
      const tampered = shown?.verdicts.find((v) => v.rule_id === failing.rule_id);
      t.equal(tampered?.status, 'pass', 'the recorded status');
      t.match(tampered?.explanation.en, /does not give the same status/);
    });

    await t.test('a pruned report keeps its statuses; its explanation says why it is gone', async (t) => {
      const old = reportOf(host, { collected_at: new Date(TEST_NOW.getTime() - 3_600_000).toISOString() });
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: old })).statusCode, 201);
      t.not((await findHost(db, host.host_id))?.current_report_id, old.report_id, 'an older report is not current');
      t.equal(await applyEvidenceRetention(db, { evidenceRetentionDays: 1 }, new Date(TEST_NOW.getTime() + 3 * 86_400_000)), 1);
      const shown = await reportVerdicts(db, old.report_id, pack);
      t.equal(shown?.source, 'statuses_only');
      t.same(
        shown?.verdicts.map((v) => v.status),
        evaluate(old, pack, TEST_NOW).map((v) => v.status),
      );
      t.match(shown?.verdicts[0]?.explanation.en, /pruned by the evidence retention/);
    });

    await t.test('a report never judged has no verdicts', async (t) => {
      t.equal(await reportVerdicts(db, '00000000-0000-4000-8000-000000000000', pack), undefined);
    });
  });
}
