// Fuzzing ingestion: thousands of malformed, mutated, oversized and hostile reports (fixed seed,
// bounded count) POSTed with a valid agent credential. Each must get a 4xx in the standard error
// format; the server must stay up; stored data (row counts and a checksum of the reports, verdicts
// and hosts tables) must be unchanged.
import { createHash } from 'node:crypto';
import t from 'tap';
import { Compile } from 'typebox/compile';
import { REPORT_MAX_BYTES, Report } from '../../policies/evidence.js';
import { ErrorBody } from '../../server/errors.js';
import type { Database } from '../../server/db/schema.js';
import { bearer, DB_KINDS, enrollHost, reportOf, testApp, type EnrolledHost } from './fixture.js';
import { seededRandom } from '../helpers/seeded-random.js';

const CASES = 2000; // per dialect: 4,000 in a full run
const SEED = 0x5eed_2025;
const checkErrorBody = Compile(ErrorBody);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Case {
  kind: string;
  body: string;
  contentType?: string;
}

/** Every container node of a JSON value with its parent and key. */
function nodes(root: Json): Array<{ parent: Json[] | { [k: string]: Json }; key: string | number; value: Json }> {
  const out: Array<{ parent: Json[] | { [k: string]: Json }; key: string | number; value: Json }> = [];
  const stack: Json[] = [root];
  for (let guard = 0; stack.length > 0 && guard < 100_000; guard++) {
    const node = stack.pop()!;
    if (Array.isArray(node)) node.forEach((value, key) => (out.push({ parent: node, key, value }), stack.push(value)));
    else if (node !== null && typeof node === 'object') for (const [key, value] of Object.entries(node)) out.push({ parent: node, key, value }), stack.push(value);
  }
  return out;
}

function objects(root: Json): Array<{ [k: string]: Json }> {
  const found: Array<{ [k: string]: Json }> = [root as { [k: string]: Json }];
  for (const n of nodes(root)) if (n.value !== null && typeof n.value === 'object' && !Array.isArray(n.value)) found.push(n.value);
  return found;
}

function makeCases(host: EnrolledHost, other: EnrolledHost, count: number, seed: number): Case[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const json = (value: unknown) => JSON.stringify(value);
  // One valid report as text; each case parses a copy with its own report_id (a UUID from the PRNG).
  const baseText = json(reportOf(host));
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
  const fresh = (): { [k: string]: Json } => ({ ...(JSON.parse(baseText) as { [k: string]: Json }), report_id: uuid() });
  const required = Report.required as string[];

  // Each mutation is guaranteed to make the report invalid (or the request unacceptable).
  const mutations: Array<(r: { [k: string]: Json }) => string> = [
    (r) => { // unknown field in a random object (every object of the contract is strict)
      pick(objects(r))[`zz_${Math.floor(random() * 1e6)}`] = pick([1, 'x', null, [], {}]);
      return 'unknown-field';
    },
    (r) => { // a leaf replaced by an object with an unknown key
      const leaves = nodes(r).filter((n) => n.value === null || typeof n.value !== 'object');
      const n = pick(leaves);
      (n.parent as Record<string | number, Json>)[n.key] = { zz_unknown: 1 };
      return 'leaf-to-object';
    },
    (r) => { // a structure replaced by a non-integer number
      const structures = nodes(r).filter((n) => n.value !== null && typeof n.value === 'object');
      const n = pick(structures);
      (n.parent as Record<string | number, Json>)[n.key] = -1.5;
      return 'structure-to-number';
    },
    (r) => { // a required top-level field removed
      delete r[pick(required)];
      return 'missing-required';
    },
    (r) => { r.report_id = pick(['', 'not-a-uuid', 'x'.repeat(37), '1; DROP TABLE reports', "' OR 1=1 --", '../../etc/passwd']); return 'bad-report-id'; },
    (r) => { r.collected_at = pick(['yesterday', '2025-13-45T99:99:99Z', '', 12345, '0000-00-00']); return 'bad-timestamp'; },
    (r) => { r.schema_version = pick([0, 2, 99, '1', null, -1]); return 'bad-schema-version'; },
    (r) => { (r.host as { [k: string]: Json }).hostname = 'h'.repeat(254 + Math.floor(random() * 2000)); return 'oversized-string'; },
    (r) => { (r.host as { [k: string]: Json }).host_id = other.host_id; return 'host-mismatch'; },
    (r) => { (r.host as { [k: string]: Json }).role = pick(['workstation', 'gateway', 'backup_server']); return 'role-mismatch-or-invalid'; },
    (r) => { (r.host as { [k: string]: Json }).site = pick(['ch-elsewhere', 'ch plateau', '']); return 'site-mismatch-or-invalid'; },
    (r) => { (r.host as { [k: string]: Json }).host_id = pick(['', '<script>', 'a'.repeat(65), '\u0000']); return 'bad-host-id'; },
    (r) => { // too many listeners (beyond the schema's maxItems of 2000), still under the body limit
      const network = r.network as { [k: string]: Json };
      network.listeners = Array.from({ length: 2001 }, (_, i) => ({ protocol: 'tcp', address: '0.0.0.0', port: 1 + (i % 65535), process: null, pid: null }));
      return 'too-many-items';
    },
    (r) => { // deeply nested junk in an unknown field
      let deep: Json = 1;
      for (let i = 0; i < 2000; i++) deep = [deep];
      r.zz_deep = deep;
      return 'deep-nesting';
    },
    (r) => { (r.host as { [k: string]: Json }).os = pick([null, 'linux', [], { platform: 'amiga' }]); return 'bad-os'; },
  ];

  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    if (roll < 0.55) {
      const r = fresh();
      const kinds: string[] = [];
      const rounds = 1 + Math.floor(random() * 3);
      for (let k = 0; k < rounds; k++) {
        try {
          kinds.push(pick(mutations)(r));
        } catch {
          // An earlier mutation removed the structure this one edits: the report is invalid already.
          r.zz_fallback = 1;
          kinds.push('fallback');
        }
      }
      cases.push({ kind: kinds.join('+'), body: json(r) });
    } else if (roll < 0.8) {
      const text = json(fresh());
      const variant = Math.floor(random() * 7);
      let body: string;
      if (variant === 0) body = text.slice(0, Math.floor(random() * (text.length - 1))); // truncated
      else if (variant === 1) body = `${text}${pick(['}', ',', ' x', '{}', ']'])}`; // trailing garbage
      else if (variant === 2) { // a few random bytes flipped to JSON punctuation
        const chars = [...text];
        for (let k = 0; k < 1 + Math.floor(random() * 4); k++) chars[Math.floor(random() * chars.length)] = pick(['{', '}', '"', ',', ':', '[', '\\']);
        body = chars.join('');
        try { JSON.parse(body); body = `${body}}`; } catch { /* malformed, as wanted */ }
      } else if (variant === 3) body = pick(['', ' ', 'null', '[]', '"report"', '42', 'true', '{}']);
      else if (variant === 4) body = `{"__proto__":{"polluted":true},${text.slice(1)}`;
      else if (variant === 5) body = `{"constructor":{"prototype":{"polluted":true}},${text.slice(1)}`;
      else body = `\u0000${text}`;
      cases.push({ kind: `malformed-${variant}`, body });
    } else if (roll < 0.86) {
      cases.push({ kind: 'content-type', body: json(fresh()), contentType: pick(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) });
    } else if (roll < 0.87) {
      const r = fresh();
      r.zz_padding = 'p'.repeat(REPORT_MAX_BYTES);
      cases.push({ kind: 'oversized-body', body: json(r) });
    } else {
      // Random JSON values of the wrong shape altogether.
      const junk: Json[] = [
        { report: fresh() },
        [fresh()],
        Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`k${k}`, k])),
        { ...fresh(), network: { unavailable: 42 } },
        { ...fresh(), wifi: { unavailable: '' } },
      ];
      cases.push({ kind: 'wrong-shape', body: json(pick(junk)) });
    }
  }
  return cases;
}

/** Row counts and a SHA-256 over every row of reports, verdicts and hosts, in key order. */
async function fingerprint(db: Database): Promise<{ counts: Record<string, number>; sha256: string }> {
  const hash = createHash('sha256');
  const reports = await db.selectFrom('reports').selectAll().orderBy('report_id').execute();
  const verdicts = await db.selectFrom('verdict_sets').selectAll().orderBy('report_id').execute();
  const hosts = await db.selectFrom('hosts').selectAll().orderBy('host_id').execute();
  for (const rows of [reports, verdicts, hosts]) for (const row of rows) hash.update(JSON.stringify(row)).update('\n');
  return { counts: { reports: reports.length, verdicts: verdicts.length, hosts: hosts.length }, sha256: hash.digest('hex') };
}

for (const kind of DB_KINDS) {
  t.test(`fuzzing ingestion (${kind}): ${CASES} hostile reports, all refused 4xx, nothing changes`, async (t) => {
    // The rate limit would answer 429 before parsing: disabled so every case reaches the parser.
    const { app, db } = await testApp(t, kind, { config: { reportRateLimitPerMinute: 0 } });
    const host = await enrollHost(app, db, { hostname: 'a' });
    const other = await enrollHost(app, db, { hostname: 'b' });
    const seeded = reportOf(host);
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: seeded })).statusCode, 201);
    const before = await fingerprint(db);
    t.equal(before.counts.reports, 1);

    const cases = makeCases(host, other, CASES, SEED);
    const failures: string[] = [];
    const kinds = new Map<number, number>();
    for (const c of cases) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: { ...bearer(host.credential), 'content-type': c.contentType ?? 'application/json' },
        payload: c.body,
      });
      kinds.set(res.statusCode, (kinds.get(res.statusCode) ?? 0) + 1);
      let parsed: unknown;
      try {
        parsed = res.json();
      } catch {
        parsed = undefined;
      }
      const ok = res.statusCode >= 400 && res.statusCode < 500 && checkErrorBody.Check(parsed) && !/\.(ts|js):\d+/.test(res.body);
      if (!ok && failures.length < 10) failures.push(`${c.kind}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
    t.same(failures, [], 'every hostile report got a 4xx in the standard error format, without stack traces');
    t.ok((kinds.get(400) ?? 0) > CASES / 2, `mostly 400s: ${JSON.stringify([...kinds])}`);
    for (const status of [403, 409, 413, 415]) t.ok((kinds.get(status) ?? 0) > 0, `some ${status}`);

    t.same(await fingerprint(db), before, 'stored data unchanged (counts and checksum)');
    t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'still up');
    const after = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: reportOf(host) });
    t.equal(after.statusCode, 201, 'still ingesting valid reports');
  });
}
