// Pure reading of `chronyc -c tracking` and `chronyc -c sources` (CSV output, chrony >= 3).

export interface ChronyTracking {
  reference: string | null;
  synchronized: boolean;
  offset_seconds: number;
}

export function parseChronyTracking(text: string): ChronyTracking {
  const line = text.split('\n').find((l) => l.trim() !== '');
  const f = line?.split(',') ?? [];
  if (f.length < 14) throw new Error('chronyc tracking output not understood (expected 14 CSV fields)');
  const offset = Number(f[4]);
  if (!Number.isFinite(offset)) throw new Error('chronyc tracking: system time offset is not a number');
  const refId = f[0] ?? '';
  const leap = (f[13] ?? '').trim();
  const synchronized = refId !== '00000000' && leap !== 'Not synchronised';
  return { reference: synchronized ? (f[1] || null) : null, synchronized, offset_seconds: Math.abs(offset) };
}

export interface ChronySource {
  name: string;
  selected: boolean;
}

export function parseChronySources(text: string): ChronySource[] {
  const sources: ChronySource[] = [];
  for (const line of text.split('\n').slice(0, 1000)) {
    const f = line.split(',');
    if (f.length < 10 || !f[2]) continue;
    sources.push({ name: f[2], selected: f[1] === '*' });
  }
  return sources;
}
