import { StringDecoder } from 'node:string_decoder';
import fc from 'fast-check';
import t from 'tap';
import { JsonStringEncoder } from '../../../server/bastion/json-string-encoder.js';

/** The plain way: each chunk decoded by one StringDecoder, then JSON.stringify ('' adds no event: null). */
function reference(chunks: Uint8Array[]): (string | null)[] {
  const decoder = new StringDecoder('utf8');
  const literal = (text: string) => (text === '' ? null : JSON.stringify(text));
  const out = chunks.map((chunk) => literal(decoder.write(Buffer.from(chunk))));
  out.push(literal(decoder.end()));
  return out;
}

function encoded(chunks: Uint8Array[]): (string | null)[] {
  const encoder = new JsonStringEncoder();
  const text = (parts: Buffer[] | null) => (parts === null ? null : Buffer.concat(parts).toString('utf8'));
  const out = chunks.map((chunk) => text(encoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))));
  out.push(text(encoder.end()));
  return out;
}

// Bytes a terminal stream is made of: printable ASCII, controls, quotes, backslashes, valid UTF-8 of
// every length, and stray continuation or lead bytes (invalid UTF-8 from a device).
const interestingByte = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.constantFrom(0x00, 0x07, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1b, 0x1f, 0x22, 0x5c, 0x7f),
  fc.integer({ min: 0x80, max: 0xff }),
);
const utf8Text = fc.string({ unit: 'binary', maxLength: 40 }).map((text) => [...Buffer.from(text, 'utf8')]);
const streamBytes = fc.array(fc.oneof(interestingByte.map((b) => [b]), utf8Text), { maxLength: 60 }).map((parts) => Uint8Array.from(parts.flat()));

t.test('each chunk encodes to the same JSON literal as StringDecoder + JSON.stringify, whatever the chunk boundaries', async (t) => {
  fc.assert(
    fc.property(streamBytes, fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 8 }), (bytes, cuts) => {
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const chunks: Uint8Array[] = [];
      let from = 0;
      for (const point of [...points, bytes.length]) {
        chunks.push(bytes.subarray(from, point));
        from = point;
      }
      const ours = encoded(chunks);
      const theirs = reference(chunks);
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) throw new Error(`differs: ${JSON.stringify({ ours, theirs, bytes: [...bytes], points })}`);
      for (const literal of ours) if (literal !== null) JSON.parse(literal);
    }),
    { numRuns: 2000 },
  );
  t.pass('2000 random streams agree');
});

t.test('known cases: escapes, a character split across chunks, a cut in the middle of one', async (t) => {
  t.same(encoded([Buffer.from('a"b\\c\r\n\u001b[0m\u0000\u007f')]), ['"a\\"b\\\\c\\r\\n\\u001b[0m\\u0000\u007f"', null]);
  const e = Buffer.from('é', 'utf8');
  t.same(encoded([Buffer.from([0x41, e[0]!]), Buffer.from([e[1]!, 0x42])]), ['"A"', '"éB"', null]);
  t.same(encoded([Buffer.from([0x41, e[0]!]), Buffer.from([0x42])]), ['"A"', '"\ufffdB"', null]);
  t.same(encoded([Buffer.from([0x41, e[0]!])]), ['"A"', '"\ufffd"']);
  t.same(encoded([Buffer.from([0xff, 0x41])]), ['"\ufffdA"', null], 'a stray byte');
  // A slice of a larger buffer encodes only its own bytes.
  const big = Buffer.from('xxHELLOyy');
  t.same(encoded([big.subarray(2, 7)]), ['"HELLO"', null]);
});

// ASCII chunks take the fast path: four-byte words searched for the bytes JSON escapes, runs copied
// between them. Every alignment of the chunk in its buffer, escaped bytes in every position of a
// word, long runs and dense escapes: the literal is JSON.stringify's, byte for byte.
const asciiByte = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7f }) },
  { weight: 2, arbitrary: fc.constantFrom(0x0a, 0x0d, 0x09, 0x22, 0x5c, 0x1b) },
  { weight: 1, arbitrary: fc.integer({ min: 0x00, max: 0x1f }) },
);
t.test('ASCII chunks at any alignment encode as JSON.stringify does', async (t) => {
  fc.assert(
    fc.property(fc.array(asciiByte, { maxLength: 300 }), fc.integer({ min: 0, max: 7 }), (bytes, offset) => {
      const backing = Buffer.alloc(offset + bytes.length + 3, 0x41);
      Buffer.from(bytes).copy(backing, offset);
      const chunk = backing.subarray(offset, offset + bytes.length);
      const parts = new JsonStringEncoder().write(chunk);
      const ours = parts === null ? null : Buffer.concat(parts).toString('latin1');
      const theirs = bytes.length === 0 ? null : JSON.stringify(chunk.toString('latin1'));
      if (ours !== theirs) throw new Error(`differs: ${JSON.stringify({ ours, theirs, bytes, offset })}`);
    }),
    { numRuns: 3000 },
  );
  t.pass('3000 random ASCII chunks agree');
});

t.test('a chunk JSON needs no escape for is written from where it is, without a copy', async (t) => {
  const chunk = Buffer.from('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo='.repeat(1000));
  const parts = new JsonStringEncoder().write(chunk);
  t.equal(parts?.length, 3);
  t.equal(parts?.[1], chunk, 'the chunk itself, between two quotes');
  t.equal(Buffer.concat(parts!).toString('latin1'), JSON.stringify(chunk.toString('latin1')));
  const lines = Buffer.from('line of text\n'.repeat(3000));
  t.equal(Buffer.concat(new JsonStringEncoder().write(lines)!).toString('latin1'), JSON.stringify(lines.toString('latin1')), 'escaped runs, copied');
});
