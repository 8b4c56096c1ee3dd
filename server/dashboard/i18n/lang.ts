// The dashboard's languages: French first, English available. The choice lives in a cookie set
// by /lang/:lang; nothing else (no Accept-Language guessing: an RSSI's browser may be in English).
import type { FastifyRequest } from 'fastify';

export const LANGS = ['fr', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'fr';
export const LANG_COOKIE = '__Host-vigie_lang';

export function isLang(value: unknown): value is Lang {
  return value === 'fr' || value === 'en';
}

export function langOf(request: FastifyRequest): Lang {
  const value = request.cookies[LANG_COOKIE];
  return isLang(value) ? value : DEFAULT_LANG;
}
