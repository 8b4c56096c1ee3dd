// `Get-DnsClientCache | Select-Object Entry,RecordType,Status,Data | ConvertTo-Json -Compress`:
// a seed only. A lookup with TTL t polled every P seconds is caught with probability about
// min(1, t/P), and an entry names no process and no time: joins from it say `cache`.
// Property names do not change with the Windows display language; RecordType and Status come
// as numbers (1 = A, 28 = AAAA, 5 = CNAME; Status 0 = success) or, with -EnumsAsStrings, names.
import { normaliseAddress, normaliseName, type NameObservation } from './name-observation.js';

interface CacheRow {
  Entry?: unknown;
  RecordType?: unknown;
  Type?: unknown;
  Status?: unknown;
  Data?: unknown;
}

function typeOf(row: CacheRow): 'A' | 'AAAA' | null {
  const t = row.RecordType ?? row.Type;
  if (t === 1 || t === 'A') return 'A';
  if (t === 28 || t === 'AAAA') return 'AAAA';
  return null;
}

/** Throws on text that is not the expected JSON (the caller reports it as unavailable). */
export function parseDnsClientCache(json: string): NameObservation[] {
  const text = json.trim();
  if (text === '') return []; // an empty cache prints nothing
  const data = JSON.parse(text) as unknown;
  const rows = (Array.isArray(data) ? data : [data]) as CacheRow[];
  const byName = new Map<string, NameObservation>();
  for (const row of rows.slice(0, 50_000)) {
    if (typeof row !== 'object' || row === null) throw new Error('Get-DnsClientCache JSON: an entry is not an object');
    const status = row.Status;
    if (!(status === 0 || status === 'Success')) continue;
    if (typeOf(row) === null || typeof row.Data !== 'string' || typeof row.Entry !== 'string') continue;
    const name = normaliseName(row.Entry);
    if (name === null) continue;
    const known = byName.get(name);
    const address = normaliseAddress(row.Data);
    if (known) known.addresses.push(address);
    else byName.set(name, { name, addresses: [address], at: null, pid: null, source: 'dns-client-cache' });
  }
  return [...byName.values()];
}
