// Text that every database Vigie stores it in can hold. PostgreSQL refuses NUL (in text and in
// jsonb) and unpaired UTF-16 surrogates (they have no UTF-8 form), so a report carrying one would
// fail at the database with a 500 after validation. The report schema refuses them up front
// (400), and the agent replaces them before a report is ever written to its outbox.

/**
 * JSON-schema pattern (matched with the `u` flag, as TypeBox and Ajv do): no NUL, no lone
 * surrogate. Under `u` a well-formed pair is one code point above U+FFFF, outside the class.
 */
export const STORABLE_TEXT_PATTERN = '^[^\\u0000\\uD800-\\uDFFF]*$';

const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;
const UNSTORABLE_ALL = /[\u0000\uD800-\uDFFF]/gu;

/** Whether `text` can be stored as is (no NUL, no lone surrogate). */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** `text` with each NUL and lone surrogate replaced by U+FFFD (the replacement character). */
export function toStorableText(text: string): string {
  return isStorableText(text) ? text : text.replace(UNSTORABLE_ALL, '\uFFFD');
}

/** A copy of a JSON-like value whose strings (keys included) are all storable; the value itself when they already are. */
export function storableDeep<T>(value: T): T {
  return replaceDeep(value) as T;
}

function replaceDeep(value: unknown): unknown {
  if (typeof value === 'string') return toStorableText(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    value.forEach((item, index) => {
      const next = replaceDeep(item);
      if (next !== item) (copy ??= [...value])[index] = next;
    });
    return copy ?? value;
  }
  if (typeof value === 'object' && value !== null) {
    let changed = false;
    const entries = Object.entries(value).map(([key, item]) => {
      const next: [string, unknown] = [toStorableText(key), replaceDeep(item)];
      if (next[0] !== key || next[1] !== item) changed = true;
      return next;
    });
    return changed ? Object.fromEntries(entries) : value;
  }
  return value;
}
