// t(key, params): the text of a catalogue key in the request's language, with {name} placeholders
// filled. Placeholders are replaced by plain text; escaping is JSX's job when the text is rendered.
import { CATALOGUE, type MessageKey } from './catalogue.js';
import type { Lang } from './lang.js';

export type MessageParams = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: MessageParams) => string;

export function translatorFor(lang: Lang): Translate {
  return (key, params) => {
    const text: string = CATALOGUE[key][lang];
    if (params === undefined) return text;
    return text.replace(/\{([a-z_]+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  };
}
