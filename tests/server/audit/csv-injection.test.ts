// The audit CSV against hostile host names (issue 13, item 3): a line break in an agent-controlled
// cell must not start a new row (whose first cell would be a live formula), and formula prefixes,
// full-width ones included, are neutralised. Read back as a spreadsheet reads it: any unquoted CR
// or LF ends a row.
import t from 'tap';
import { auditCsv, CSV_COLUMNS, neutraliseFormula } from '../../../server/audit/csv-report.js';
import { runAuditJob } from '../../../server/audit/scheduler.js';
import { DB_KINDS, TEST_NOW, testApp } from '../fixture.js';
import { auditDeps, enroll, movableClock, reportAt, send } from './helpers.js';

/** Rows as a spreadsheet splits them: quoted fields may hold anything; outside, CR or LF ends a row. */
function spreadsheetRows(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i]!;
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' || c === '\n') {
      if (c === '\r' && csv[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

t.test('formula prefixes, ASCII and full-width, get a leading quote', async (t) => {
  for (const hostile of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', '\n=1', '＝1+1', '＋1', '－1', '＠SUM(A1)']) {
    t.equal(neutraliseFormula(hostile), `'${hostile}`, JSON.stringify(hostile));
  }
  t.equal(neutraliseFormula('srv-01'), 'srv-01');
});

for (const kind of DB_KINDS) {
  t.test(`${kind}: a host name with line breaks stays in its cell`, async (t) => {
    const clock = movableClock(TEST_NOW);
    const { app, db } = await testApp(t, kind, { now: clock.now });
    const names = ['evil\n=2+3', 'evil2\r@SUM(1)', 'evil3\r\n+cmd', '＝HYPERLINK("http://x")'];
    for (const name of names) {
      const host = await enroll(app, db, 'ch-a', 'server', name);
      await send(t, app, host, reportAt(host, clock.now()));
    }
    const attempt = await runAuditJob(auditDeps(db, clock.now), 'manual', null);
    if (attempt.status !== 'ran') throw new Error(attempt.reason);
    const csv = await auditCsv(db, attempt.result.report, 'en');
    const rows = spreadsheetRows(csv.replace(/^\ufeff/, ''));
    t.same(rows[0], [...CSV_COLUMNS]);
    const badRows = rows.slice(1).filter((r) => r.length !== CSV_COLUMNS.length);
    t.same(badRows, [], 'every row has every column: no line break started a row');
    const hostnames = new Set(rows.slice(1).map((r) => r[CSV_COLUMNS.indexOf('hostname')]));
    t.same([...hostnames].sort(), names.map((n) => neutraliseFormula(n)).sort(), 'each name whole, in its cell');
    t.ok([...hostnames].every((h) => h?.startsWith("'") || !/^[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/.test(h ?? '')));
    for (const r of rows) for (const cell of r) t.notOk(/^[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/.test(cell), `no live formula: ${JSON.stringify(cell)}`);
  });
}
