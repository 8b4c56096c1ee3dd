// Texts of the trends page and of the CaRE / ARS indicators page (page 13).
import type { MessageSection } from './message.js';

export const trendsMessages = {
  'trends.intro': {
    fr: 'Évolution de la conformité, lue dans les comptes quotidiens écrits par l’audit nocturne (jamais dans les rapports bruts). Un jour sans audit est un trou dans la courbe, pas un zéro.',
    en: 'How compliance evolves, read from the daily counts the nightly audit writes (never from raw reports). A day without an audit is a gap in the line, not a zero.',
  },
  'trends.filters': { fr: 'Filtrer les tendances', en: 'Filter the trends' },
  'trends.window': { fr: 'Période', en: 'Period' },
  'trends.days': { fr: '{n} jours', en: '{n} days' },
  'trends.chartTitle': { fr: 'Conformité du {from} au {to}', en: 'Compliance from {from} to {to}' },
  'trends.noData': { fr: 'Aucun audit nocturne sur cette période pour ce filtre.', en: 'No nightly audit in this period for this filter.' },
  'trends.change': { fr: 'Variation sur la période : {from} → {to}', en: 'Change over the period: {from} → {to}' },
  'trends.sitesTitle': { fr: 'Par site : début et fin de période', en: 'By site: start and end of the period' },
  'trends.site': { fr: 'Site', en: 'Site' },
  'trends.first': { fr: 'Premier audit', en: 'First audit' },
  'trends.last': { fr: 'Dernier audit', en: 'Last audit' },
  'trends.delta': { fr: 'Écart', en: 'Change' },
  'trends.tableTitle': { fr: 'Comptes quotidiens (hôte × règle)', en: 'Daily counts (host × rule)' },
  'trends.day': { fr: 'Jour', en: 'Day' },
  'trends.score': { fr: 'Conformité', en: 'Compliance' },
  'trends.assessed': { fr: 'Hôtes évalués', en: 'Hosts assessed' },
  'trends.stale': { fr: 'Hôtes muets', en: 'Silent hosts' },
  'trends.noAudit': { fr: 'pas d’audit', en: 'no audit' },
  'trends.up': { fr: 'en hausse', en: 'up' },
  'trends.down': { fr: 'en baisse', en: 'down' },
  'trends.flat': { fr: 'stable', en: 'flat' },
} as const satisfies MessageSection;
