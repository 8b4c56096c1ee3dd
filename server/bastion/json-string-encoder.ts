// The bytes of a stream (what a device shows, what a vendor types) as JSON string literals, one per
// chunk: the same text as JSON.stringify(new StringDecoder('utf8').write(chunk)), as UTF-8 bytes.
// Most chunks are pure ASCII (a pasted file, a `cat`, terminal output): those skip the UTF-8
// decoder and encoder (isAscii is a native SIMD check; latin1 is a plain copy either way). Other
// chunks go through one StringDecoder, so invalid UTF-8 becomes U+FFFD exactly as decoding the
// whole stream would, also when a character is split across chunks.
import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';

export class JsonStringEncoder {
  private readonly decoder = new StringDecoder('utf8');
  /** The last chunk through the decoder ended with a non-ASCII byte: it may hold part of a character. */
  private decoderMayHoldBytes = false;

  /** The chunk as a JSON string literal (with its quotes), or null when it adds no character yet. */
  write(chunk: Buffer): Buffer | null {
    if (chunk.length === 0) return null;
    if (!this.decoderMayHoldBytes && isAscii(chunk)) {
      // JSON.stringify of an ASCII string is ASCII (escapes included): latin1 both ways is exact.
      return Buffer.from(JSON.stringify(chunk.toString('latin1')), 'latin1');
    }
    this.decoderMayHoldBytes = chunk[chunk.length - 1]! >= 0x80;
    return literal(this.decoder.write(chunk));
  }

  /** What is left at the end of the stream (an incomplete character, as U+FFFD). */
  end(): Buffer | null {
    this.decoderMayHoldBytes = false;
    return literal(this.decoder.end());
  }
}

function literal(text: string): Buffer | null {
  return text === '' ? null : Buffer.from(JSON.stringify(text), 'utf8');
}
