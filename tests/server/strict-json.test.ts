// The strict JSON reading of request bodies (server/strict-json.ts): the duplicate-key scan against
// texts whose strings hide brackets, quotes and escapes, and the UTF-8 check's offsets.
import t from 'tap';
import { decodeUtf8Body, findDuplicateKey } from '../../server/strict-json.js';

t.test('findDuplicateKey finds the first repeated key with the pointer of its object', async (t) => {
  const cases: [string, { pointer: string; key: string } | null][] = [
    ['{"a":1,"b":2}', null],
    ['{"a":1,"a":2}', { pointer: '/', key: 'a' }],
    ['{"a":{"x":1},"b":{"x":2}}', null],
    ['{"a":[{"k":1},{"k":2,"k":3}]}', { pointer: '/a/1', key: 'k' }],
    ['{"s":"\\"a\\":1, {\\"a\\":2} ]","a":"{\\"s\\":1}"}', null],
    ['{"v":"a\\\\","v2":"\\\\"}', null],
    ['{"a":1,"\\u0061":2}', { pointer: '/', key: 'a' }],
    ['{"p/q~r":{"z":[],"z":{}}}', { pointer: '/p~1q~0r', key: 'z' }],
    ['[1,{"x":"a","y":"x"},[{"x":1}]]', null],
    ['[[],{"m":{"n":1,"n":1}}]', { pointer: '/1/m', key: 'n' }],
    ['"a string with {\\"k\\":1,\\"k\\":2}"', null],
    ['{"":1,"":2}', { pointer: '/', key: '' }],
  ];
  for (const [text, expected] of cases) {
    JSON.parse(text); // every case is JSON the parser accepts
    t.same(findDuplicateKey(text), expected, text);
  }
});

t.test('decodeUtf8Body accepts UTF-8 and names where the first bad sequence starts', async (t) => {
  t.equal(decodeUtf8Body(Buffer.from('{"h":"réa €😀"}')), '{"h":"réa €😀"}');
  t.equal(decodeUtf8Body(Buffer.from('\ufeff{}')), '\ufeff{}', 'a BOM is left for the JSON parser to judge');
  const bad: [number[], number][] = [
    [[0x61, 0x62, 0xff], 2],
    [[0x61, 0xf0, 0x9f, 0x98, 0x61], 1],
    [[0x61, 0xf0, 0x9f, 0x98], 1],
    [[0xc3], 0],
    [[0x61, 0x62, 0x63, 0xe0, 0x80, 0x80], 3],
  ];
  for (const [bytes, offset] of bad) {
    t.throws(() => decodeUtf8Body(Buffer.from(bytes)), { statusCode: 400, code: 'invalid_utf8', message: new RegExp(`byte offset ${offset}\\)`) }, bytes.join(','));
  }
});
