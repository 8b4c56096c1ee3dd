// systemd-resolved's query stream, `resolvectl monitor --json=short` (systemd >= 252, root): one
// JSON object per line, the parameters of io.systemd.Resolve.Monitor.SubscribeQueryResults:
//   {"state":"success","rcode":0,"question":[{"class":1,"type":1,"name":"example.org"}],
//    "answer":[{"rr":{"key":{"class":1,"type":5,"name":"example.org"},"name":"edge.cdn.net"},"raw":"..."},
//              {"rr":{"key":{"class":1,"type":1,"name":"edge.cdn.net"},"address":[192,0,2,7]},"raw":"..."}]}
// The stream carries no time and no process: a line's time is when it was read (the stream is
// live), `pid` is null. Every address in the answer belongs to the name asked.
import { normaliseName, type NameObservation } from './name-observation.js';

const TYPE_A = 1;
const TYPE_AAAA = 28;

function addressText(bytes: unknown, type: number): string | null {
  if (!Array.isArray(bytes) || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return null;
  if (type === TYPE_A && bytes.length === 4) return bytes.join('.');
  if (type === TYPE_AAAA && bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
    return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return null;
}

/** One line of the stream; null when it is not a successful answer with addresses. */
export function parseResolvedMonitorLine(line: string, at: number): NameObservation | null {
  const text = line.trim();
  if (!text.startsWith('{') || text.length > 256 * 1024) return null;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  const d = data as { state?: unknown; question?: unknown; answer?: unknown };
  if (d.state !== 'success' || !Array.isArray(d.question) || !Array.isArray(d.answer)) return null;
  const asked = normaliseName(String((d.question[0] as { name?: unknown } | undefined)?.name ?? ''));
  if (asked === null) return null;
  const addresses: string[] = [];
  for (const item of d.answer.slice(0, 64)) {
    const rr = (item as { rr?: { key?: { type?: unknown }; address?: unknown } } | null)?.rr;
    const type = Number(rr?.key?.type);
    const address = addressText(rr?.address, type);
    if (address !== null) addresses.push(address);
  }
  return addresses.length > 0 ? { name: asked, addresses, at, pid: null, source: 'resolved-monitor' } : null;
}
