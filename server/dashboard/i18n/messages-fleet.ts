// Texts of the fleet pages: overview, sites, hosts, host detail, rules, waivers, audits, trends.
import type { MessageSection } from './message.js';

export const fleetMessages = {
  'status.pass': { fr: 'conforme', en: 'pass' },
  'status.warn': { fr: 'avertissement', en: 'warning' },
  'status.fail': { fr: 'non conforme', en: 'fail' },
  'status.unknown': { fr: 'inconnu', en: 'unknown' },
  'status.not_applicable': { fr: 'sans objet', en: 'not applicable' },
  'status.waived': { fr: 'dérogé', en: 'waived' },

  'seen.24h': { fr: 'vus ces dernières 24 h', en: 'seen in the last 24 h' },
  'seen.7d': { fr: 'vus il y a 1 à 7 jours', en: 'seen 1 to 7 days ago' },
  'seen.30d': { fr: 'vus il y a 7 à 30 jours', en: 'seen 7 to 30 days ago' },
  'seen.older': { fr: 'muets depuis plus de 30 jours', en: 'silent for over 30 days' },
  'seen.never': { fr: 'jamais vus', en: 'never seen' },

  'exposure.flows': { fr: 'URL et flux', en: 'URLs and flows' },
  'exposure.wifi': { fr: 'Wi-Fi', en: 'Wi-Fi' },
  'exposure.backups': { fr: 'Sauvegardes', en: 'Backups' },
  'exposure.mfa': { fr: 'Authentification forte', en: 'Strong authentication' },

  'chart.data': { fr: 'Données du graphique', en: 'Chart data' },
  'chart.day': { fr: 'Jour', en: 'Day' },
  'chart.value': { fr: 'Conformité', en: 'Compliance' },

  'overview.seenTitle': { fr: '{n} hôtes actifs, par dernier contact', en: '{n} active hosts, by last contact' },
  'overview.scoreTitle': { fr: 'Conformité du GHT', en: 'GHT-wide compliance' },
  'overview.scoreAsOf': { fr: 'des contrôles conformes (audit du {day}), hors dérogations et inconnus', en: 'of checks passing (audit of {day}), waived and unknown excluded' },
  'overview.trend30': { fr: 'Conformité sur 30 jours', en: 'Compliance over 30 days' },
  'overview.trend90': { fr: 'Conformité sur 90 jours', en: 'Compliance over 90 days' },
  'overview.moreTrends': { fr: 'Toutes les tendances', en: 'All trends' },
  'overview.noAudit': { fr: 'Aucun audit nocturne terminé pour l’instant.', en: 'No nightly audit has finished yet.' },
  'overview.exposuresTitle': { fr: 'Par exposition', en: 'By exposure' },
  'overview.exposuresHint': {
    fr: 'Nombre de résultats (hôte × règle) du dernier audit nocturne. Chaque exposition mène à ses règles.',
    en: 'Number of (host × rule) results of the last nightly audit. Each exposure leads to its rules.',
  },
  'overview.exposure': { fr: 'Exposition', en: 'Exposure' },
  'overview.topTitle': { fr: 'Règles les plus en échec', en: 'Most failing rules' },
  'overview.noFailing': { fr: 'Aucune règle en échec.', en: 'No failing rule.' },
  'overview.failingHosts': { fr: 'Hôtes non conformes', en: 'Failing hosts' },
  'overview.expiringTitle': { fr: 'Dérogations expirant sous {days} jours', en: 'Waivers expiring within {days} days' },
  'overview.noExpiring': { fr: 'Aucune dérogation n’expire bientôt.', en: 'No waiver expires soon.' },
  'overview.expiresOn': { fr: '(expire le {date})', en: '(expires on {date})' },
  'overview.auditTitle': { fr: 'Dernier audit nocturne', en: 'Last nightly audit' },

  'rules.rule': { fr: 'Règle', en: 'Rule' },
  'rules.title': { fr: 'Intitulé', en: 'Title' },

  'audits.startedAt': { fr: 'Début', en: 'Started' },
  'audits.score': { fr: 'Conformité', en: 'Compliance' },
  'audits.findings': { fr: 'Constats', en: 'Findings' },
  'audits.newFailures': { fr: 'Nouveaux échecs', en: 'New failures' },
  'audits.fixed': { fr: 'Corrigés', en: 'Fixed' },
  'audits.report': { fr: 'Rapport', en: 'Report' },
} as const satisfies MessageSection;
