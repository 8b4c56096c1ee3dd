// One measurement of bench/destinations.bench.ts, in a process of its own so that its peak RSS
// (VmHWM) is its own and not the bench's (which generated the log and seeds the query database).
// Prints one JSON line. Modes, each over the whole file, read in the same 1 MiB chunks:
//   bare      - the importer's read and line split (1 MiB reads, 64 KiB windows decoded apart),
//               each line cut out and nothing else done with it (the baseline);
//   scan      - bare, finding the fields of each line where it lies (what the importer's Squid
//               path does first, and the least any parse of the line can do) instead of cutting it out;
//   parse     - bare + the Squid parser on each line;
//   aggregate - the importer's per-line work (parse, canonicalise, map the client, count per
//               (client, destination, port, day)) with no database write at all: it never
//               commits, so its memory grows with the log's groups (a measurement, not a mode
//               the product has);
//   import    - the real ProxyImporter on the bench's database, committing as the product's
//               command does (COMMAND_BATCH);
//               the time spent in its commits (the database writes) is reported apart.
// Run by the bench: node --import tsx bench/destinations-import-child.ts MODE FILE DATA_DIR SITE NOW
import { createReadStream, readFileSync } from 'node:fs';
import { loadShippedPacks } from '../policies/pack.js';
import { openDatabase } from '../server/db/database.js';
import { COMMAND_BATCH, ProxyImporter, WINDOW_BYTES } from '../server/inventory/proxy/import.js';
import { parseSquidLine, scanSquidFields } from '../server/inventory/proxy/parse-squid.js';
import { inventoryJudge } from '../server/inventory/verdict.js';

const [mode, file, dataDir, site, now] = process.argv.slice(2) as [string, string, string, string, string];
const MiB = 1024 * 1024;

/** Peak resident set of this process, from the kernel (VmHWM), in bytes. */
function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

/** The read and split loop of ProxyImporter.push (windows of WINDOW_BYTES decoded apart), calling `each` per line. */
async function splitLines(each: (text: string, start: number, end: number) => void): Promise<number> {
  let lines = 0;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: MiB })) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const last = data.lastIndexOf(0x0a);
    if (last < 0) {
      carry = data;
      continue;
    }
    for (let from = 0; ; ) {
      const to = from + WINDOW_BYTES >= last ? last : data.indexOf(0x0a, from + WINDOW_BYTES);
      const text = data.toString('utf8', from, to);
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        const end = nl < 0 ? text.length : nl;
        each(text, start, end);
        lines += 1;
        if (nl < 0) break;
        start = nl + 1;
      }
      if (to >= last) break;
      from = to + 1;
    }
    carry = data.subarray(last + 1);
  }
  return lines;
}

/** One measurement, printed as a JSON line for bench/destinations.bench.ts. */
export interface Result {
  mode: string;
  lines: number;
  seconds: number;
  peakRss: number;
  commits?: number;
  commitSeconds?: number;
  imported?: number;
  unmapped?: number;
  rejected?: number;
}

async function measure(): Promise<Result> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  if (mode === 'bare' || mode === 'scan' || mode === 'parse') {
    let sink = 0;
    const lines = await splitLines(
      mode === 'bare'
        ? (text, start, end) => {
            sink += text.slice(start, end).length;
          }
        : mode === 'scan'
          ? (text, start, end) => {
              sink += scanSquidFields(text, start, end);
            }
          : (text, start, end) => {
              const parsed = parseSquidLine(text.slice(start, end));
              if (parsed !== null && parsed !== 'invalid') sink += parsed.port;
            },
    );
    if (sink < 0) console.error(sink);
    return { mode, lines, seconds: elapsed(), peakRss: 0 };
  }
  const db = await openDatabase({ dataDir });
  try {
    let commits = 0;
    let commitSeconds = 0;
    const judge = inventoryJudge(loadShippedPacks(), new Map(), new Date(now));
    const aggregateOnly = mode === 'aggregate';
    class TimedImporter extends ProxyImporter {
      override async commit(): Promise<void> {
        if (aggregateOnly) return;
        const t = performance.now();
        await super.commit();
        commits += 1;
        commitSeconds += (performance.now() - t) / 1000;
      }
    }
    const importer = new TimedImporter({ db, judge, stream: `bench-${mode}`, format: 'squid', site, identity: 'bench', startOffset: 0, ...(aggregateOnly ? { batchLines: Infinity, maxGroups: Infinity } : COMMAND_BATCH) });
    // Started after the packs are loaded and the database opened: the import, not the start-up.
    const t0 = performance.now();
    for await (const chunk of createReadStream(file, { highWaterMark: MiB })) await importer.push(chunk as Buffer);
    await importer.commit();
    const p = importer.progress;
    return { mode, lines: p.lines, seconds: (performance.now() - t0) / 1000, peakRss: 0, commits, commitSeconds, imported: p.imported, unmapped: p.unmapped, rejected: p.rejected };
  } finally {
    await db.destroy();
  }
}

const result = await measure();
result.peakRss = peakRss();
console.log(JSON.stringify(result));
