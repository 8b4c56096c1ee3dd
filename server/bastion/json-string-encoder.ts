// The bytes of a stream (what a device shows, what a vendor types) as JSON string literals, one per
// chunk: the same text as JSON.stringify(new StringDecoder('utf8').write(chunk)), as UTF-8 bytes,
// given as the parts to write one after the other.
//
// Recording is on the bastion's hot path (every byte a vendor sends is recorded), so ASCII chunks,
// most of them (a pasted file, a `cat`, terminal output), skip the UTF-8 decoder, the encoder and
// JSON.stringify (which alone cost about 3 ms of CPU per MiB):
// - a chunk with no byte JSON escapes (no control character, quote or backslash: a long line, a
//   base64 blob) IS its literal between two quotes: it is written from where it is, with no copy;
// - otherwise the runs between those bytes are copied natively into one buffer with their escapes.
// The escapes are JSON.stringify's (\b \t \n \f \r \" \\ and \u00xx in lowercase hex), so the file
// is byte for byte what JSON.stringify would have written. The ASCII check (isAscii) is native and
// the search for escaped bytes reads four bytes at a time. Other chunks go through one
// StringDecoder, so invalid UTF-8 becomes U+FFFD exactly as decoding the whole stream would, also
// when a character is split across chunks.
import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';

const QUOTE = Buffer.from('"', 'latin1');

/** What JSON.stringify writes for each ASCII byte it escapes; undefined: the byte as it is. */
const ESCAPES: (Buffer | undefined)[] = Array.from({ length: 128 }, (_, byte) => {
  const text = String.fromCharCode(byte);
  const literal = JSON.stringify(text).slice(1, -1);
  return literal === text ? undefined : Buffer.from(literal, 'latin1');
});
const ESCAPED = Uint8Array.from(ESCAPES, (escape) => (escape === undefined ? 0 : 1));

export class JsonStringEncoder {
  private readonly decoder = new StringDecoder('utf8');
  /** The last chunk through the decoder ended with a non-ASCII byte: it may hold part of a character. */
  private decoderMayHoldBytes = false;
  /** Where the escaped bytes of a chunk are (reused from chunk to chunk). */
  private positions: Int32Array = new Int32Array(1024);

  /**
   * The chunk as a JSON string literal (with its quotes), as parts to write in order, or null when
   * it adds no character yet. A part may be the chunk itself: the caller must not change it after.
   */
  write(chunk: Buffer): Buffer[] | null {
    if (chunk.length === 0) return null;
    if (!this.decoderMayHoldBytes && isAscii(chunk)) return this.ascii(chunk);
    this.decoderMayHoldBytes = chunk[chunk.length - 1]! >= 0x80;
    return literal(this.decoder.write(chunk));
  }

  /** What is left at the end of the stream (an incomplete character, as U+FFFD). */
  end(): Buffer[] | null {
    this.decoderMayHoldBytes = false;
    return literal(this.decoder.end());
  }

  private ascii(chunk: Buffer): Buffer[] {
    let count = 0;
    let extra = 0;
    for (let at = nextEscaped(chunk, 0); at !== -1; at = nextEscaped(chunk, at + 1)) {
      if (count === this.positions.length) this.positions = grow(this.positions);
      this.positions[count++] = at;
      extra += ESCAPES[chunk[at]!]!.length - 1;
    }
    if (count === 0) return [QUOTE, chunk, QUOTE];
    const out = Buffer.allocUnsafe(chunk.length + extra + 2);
    let o = 0;
    out[o++] = 0x22;
    let from = 0;
    for (let k = 0; k < count; k++) {
      const at = this.positions[k]!;
      o += chunk.copy(out, o, from, at);
      const escape = ESCAPES[chunk[at]!]!;
      for (let j = 0; j < escape.length; j++) out[o++] = escape[j]!;
      from = at + 1;
    }
    o += chunk.copy(out, o, from, chunk.length);
    out[o] = 0x22;
    return [out];
  }
}

function grow(positions: Int32Array): Int32Array {
  const bigger = new Int32Array(positions.length * 2);
  bigger.set(positions);
  return bigger;
}

/**
 * The index of the first byte at or after `from` that JSON escapes, or -1; `chunk` is ASCII (every
 * byte below 0x80). Aligned four-byte words are tested at once: with bytes below 0x80, a byte below
 * 0x20 makes `word - 0x20202020` set that byte's top bit, and a byte equal to 0x22 (or 0x5c) makes
 * `(word ^ 0x22222222) - 0x01010101` set it (borrows only ever flag bytes above a flagged one); a
 * flagged word's bytes are then looked up one by one.
 */
function nextEscaped(chunk: Buffer, from: number): number {
  const end = chunk.length;
  let i = from;
  while (i < end && ((chunk.byteOffset + i) & 3) !== 0) {
    if (ESCAPED[chunk[i]!] === 1) return i;
    i++;
  }
  const words = (end - i) >>> 2;
  if (words > 0) {
    const view = new Uint32Array(chunk.buffer, chunk.byteOffset + i, words);
    for (let k = 0; k < words; k++) {
      const word = view[k]!;
      if ((((word - 0x20202020) | ((word ^ 0x22222222) - 0x01010101) | ((word ^ 0x5c5c5c5c) - 0x01010101)) & 0x80808080) !== 0) {
        const at = i + 4 * k;
        for (let j = at; j < at + 4; j++) if (ESCAPED[chunk[j]!] === 1) return j;
      }
    }
    i += words * 4;
  }
  for (; i < end; i++) if (ESCAPED[chunk[i]!] === 1) return i;
  return -1;
}

function literal(text: string): Buffer[] | null {
  return text === '' ? null : [Buffer.from(JSON.stringify(text), 'utf8')];
}
