// JSON request bodies are read strictly: bytes that are not UTF-8 and objects that name a key
// twice are refused (400) instead of being decoded with U+FFFD or resolved "last key wins". Both
// let two readers of one body see different things (a report stored as sent, read by a SIEM or
// an auditor's tool that keeps the first key or rejects the bytes), so neither is stored.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const decodes = (bytes: Uint8Array, stream: boolean): boolean => {
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes, { stream });
    return true;
  } catch {
    return false;
  }
};

/** Offset where the first invalid UTF-8 sequence starts (only called on bytes known bad). */
function firstInvalidSequence(bytes: Uint8Array): number {
  // A prefix decodes in streaming mode (a cut sequence waits for more) exactly when no invalid
  // byte lies within it: the longest such prefix ends where the decoder saw the error...
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 1) {
    const middle = (good + bad) >>> 1;
    if (decodes(bytes.subarray(0, middle), true)) good = middle;
    else bad = middle;
  }
  // ...which may be inside a sequence that started up to 3 bytes earlier: go back to its lead byte.
  let start = good;
  while (start > 0 && good - start < 3 && !decodes(bytes.subarray(0, start), false)) start--;
  return start;
}

/** The body as text, or a 400 `invalid_utf8` naming the first bad byte. */
export function decodeUtf8Body(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    const at = firstInvalidSequence(bytes);
    throw new ApiError(400, 'invalid_utf8', `The body is not valid UTF-8 (the first invalid sequence starts at byte offset ${at}); JSON bodies must be UTF-8.`);
  }
}

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

interface ObjectFrame {
  keys: Set<string>;
  expectKey: boolean;
  key: string;
}
interface ArrayFrame {
  index: number;
}

/**
 * The first key an object of `text` names twice, with the JSON pointer of that object, or null.
 * `text` must be JSON that JSON.parse accepted: only strings, brackets, commas and colons matter.
 */
export function findDuplicateKey(text: string): { pointer: string; key: string } | null {
  const frames: (ObjectFrame | ArrayFrame)[] = [];
  const pointer = () =>
    frames
      .slice(0, -1)
      .map((f) => '/' + escapePointer('keys' in f ? f.key : String(f.index)))
      .join('');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = frames[frames.length - 1];
    if (c === 0x7b /* { */) frames.push({ keys: new Set(), expectKey: true, key: '' });
    else if (c === 0x5b /* [ */) frames.push({ index: 0 });
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) frames.pop();
    else if (c === 0x2c /* , */) {
      if (top === undefined) continue;
      if ('keys' in top) top.expectKey = true;
      else top.index++;
    } else if (c === 0x3a /* : */) {
      if (top !== undefined && 'keys' in top) top.expectKey = false;
    } else if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      if (top !== undefined && 'keys' in top && top.expectKey) {
        // "\u0061" and "a" are one key: compare decoded names.
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        if (top.keys.has(key)) return { pointer: pointer() || '/', key };
        top.keys.add(key);
        top.key = key;
      }
    }
  }
  return null;
}

/** A 400 `duplicate_json_key` if an object of `text` names a key twice. */
export function refuseDuplicateKeys(text: string): void {
  const duplicate = findDuplicateKey(text);
  if (duplicate === null) return;
  const key = JSON.stringify(duplicate.key.slice(0, 100));
  throw new ApiError(
    400,
    'duplicate_json_key',
    `The object at ${duplicate.pointer} has the key ${key} more than once; each key must appear once.`,
    [{ field: duplicate.pointer, reason: `key ${key} appears more than once` }],
  );
}

/**
 * Replaces `app`'s application/json parser by the strict one: UTF-8 checked, then Fastify's own
 * parser (same errors, same __proto__ refusals), then duplicate keys. `onText` sees the decoded
 * text of each body that parsed (the reports route stores it as sent).
 */
export function useStrictJsonParser(app: FastifyInstance, onText?: (request: FastifyRequest, text: string) => void): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = decodeUtf8Body(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
    } catch (error) {
      done(error as ApiError, undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      if (error !== null) return done(error, undefined);
      try {
        refuseDuplicateKeys(text);
      } catch (refusal) {
        return done(refusal as ApiError, undefined);
      }
      onText?.(request, text);
      done(null, value);
    });
  });
}
