// Dates and numbers as the dashboard shows them: fr-FR (or en-GB) conventions, always in
// Europe/Paris, whatever the server's own zone. Formatters are built once per language.
import type { Lang } from './lang.js';

export const DASHBOARD_TIME_ZONE = 'Europe/Paris';
const LOCALES: Record<Lang, string> = { fr: 'fr-FR', en: 'en-GB' };

interface Formatters {
  dateTime: Intl.DateTimeFormat;
  date: Intl.DateTimeFormat;
  time: Intl.DateTimeFormat;
  integer: Intl.NumberFormat;
  percent: Intl.NumberFormat;
}

function formattersFor(lang: Lang): Formatters {
  const locale = LOCALES[lang];
  return {
    dateTime: new Intl.DateTimeFormat(locale, { timeZone: DASHBOARD_TIME_ZONE, dateStyle: 'short', timeStyle: 'short' }),
    date: new Intl.DateTimeFormat(locale, { timeZone: DASHBOARD_TIME_ZONE, dateStyle: 'short' }),
    time: new Intl.DateTimeFormat(locale, { timeZone: DASHBOARD_TIME_ZONE, timeStyle: 'short' }),
    integer: new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }),
    percent: new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }),
  };
}

const FORMATTERS: Record<Lang, Formatters> = { fr: formattersFor('fr'), en: formattersFor('en') };

const toDate = (value: Date | string): Date => (typeof value === 'string' ? new Date(value) : value);

export interface Format {
  dateTime(value: Date | string): string;
  date(value: Date | string): string;
  time(value: Date | string): string;
  integer(value: number): string;
  /** 0..1 as a percentage; null shows as an em dash. */
  percent(value: number | null): string;
}

export function formatFor(lang: Lang): Format {
  const f = FORMATTERS[lang];
  return {
    dateTime: (v) => f.dateTime.format(toDate(v)),
    date: (v) => f.date.format(toDate(v)),
    time: (v) => f.time.format(toDate(v)),
    integer: (v) => f.integer.format(v),
    percent: (v) => (v === null ? '—' : f.percent.format(v)),
  };
}

/** The calendar day (YYYY-MM-DD) of an instant in Europe/Paris: the trend tables' day. */
export function parisDay(at: Date): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: DASHBOARD_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
