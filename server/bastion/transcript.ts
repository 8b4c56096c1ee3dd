// A plain-text transcript of an asciicast recording, for reading, searching and printing beside the
// player: the output stream with terminal control sequences removed, carriage returns and
// backspaces applied line by line, and the markers (approval, warnings, cut) as their own lines,
// each line with its time offset. Hostile bytes from the device stay text (the page escapes them).

export interface TranscriptLine {
  /** Seconds since the start of the recording. */
  at: number;
  kind: 'output' | 'marker';
  text: string;
}

export const MAX_TRANSCRIPT_LINES = 20_000;
const MAX_LINE = 2000;

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-byte escapes, and C0 controls
// other than \n, \r, \b, \t.
const CSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;
const OSC = /\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)/g;
const ESC_OTHER = /\u001b[@-Z\\-_]/g;
const C1_AND_CONTROLS = /[\u0000-\u0007\u000b\u000c\u000e-\u001f\u007f\u0080-\u009f]/g;

export function stripControls(text: string): string {
  return text.replace(OSC, '').replace(CSI, '').replace(ESC_OTHER, '').replace(C1_AND_CONTROLS, '');
}

/** Apply \r (back to the start of the line) and \b (one character back) as a terminal would. */
function settleLine(raw: string): string {
  let line = '';
  let cursor = 0;
  for (const ch of raw) {
    if (ch === '\r') cursor = 0;
    else if (ch === '\b') cursor = Math.max(0, cursor - 1);
    else {
      line = line.slice(0, cursor) + ch + line.slice(cursor + 1);
      cursor += 1;
    }
  }
  return line.slice(0, MAX_LINE);
}

/** Parse a .cast file's text into transcript lines (a malformed line is skipped, never thrown). */
export function transcriptOf(cast: string): TranscriptLine[] {
  const lines: TranscriptLine[] = [];
  let pending = '';
  let pendingAt = 0;
  const push = (line: TranscriptLine) => {
    if (lines.length < MAX_TRANSCRIPT_LINES) lines.push(line);
  };
  const rows = cast.split('\n');
  for (const row of rows.slice(1)) {
    if (row.trim() === '') continue;
    let event: unknown;
    try {
      event = JSON.parse(row);
    } catch {
      continue;
    }
    if (!Array.isArray(event) || typeof event[0] !== 'number' || typeof event[1] !== 'string' || typeof event[2] !== 'string') continue;
    const [at, code, data] = event as [number, string, string];
    if (code === 'm') {
      if (pending !== '') {
        push({ at: pendingAt, kind: 'output', text: settleLine(stripControls(pending)) });
        pending = '';
      }
      push({ at, kind: 'marker', text: data.slice(0, MAX_LINE) });
      continue;
    }
    if (code !== 'o') continue;
    if (pending === '') pendingAt = at;
    pending += data;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      const text = settleLine(stripControls(part));
      push({ at: pendingAt, kind: 'output', text });
      pendingAt = at;
    }
    if (pending.length > MAX_LINE * 4) {
      push({ at: pendingAt, kind: 'output', text: settleLine(stripControls(pending)) });
      pending = '';
    }
  }
  if (pending !== '') push({ at: pendingAt, kind: 'output', text: settleLine(stripControls(pending)) });
  return lines;
}
