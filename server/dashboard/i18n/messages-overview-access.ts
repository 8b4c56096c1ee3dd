// Texts of the overview's telemaintenance line (open access requests, live sessions) and of its
// "awaiting your decision" list (the requests the reader may review or countersign now).
import type { MessageSection } from './message.js';

export const overviewAccessMessages = {
  'overview.accessTitle': { fr: 'Télémaintenance', en: 'Telemaintenance' },
  'overview.accessRequests': { fr: 'demandes {state}', en: 'requests {state}' },
  'overview.liveSessions': { fr: 'séances en direct', en: 'live sessions' },
  'overview.awaitingTitle': { fr: 'En attente de votre décision', en: 'Awaiting your decision' },
  'overview.awaitingCount': { fr: 'demande(s) d’accès attendent votre décision', en: 'access request(s) awaiting your decision' },
  'overview.awaitingHint': {
    fr: 'Les demandes que vous pouvez examiner ou contresigner maintenant : ni les vôtres, ni celles où vous avez déjà donné votre avis.',
    en: 'The requests you may review or countersign now: neither your own nor those you already reviewed.',
  },
  'overview.awaitingNone': { fr: 'Aucune demande d’accès n’attend votre décision.', en: 'No access request awaits your decision.' },
  'overview.awaitingMore': { fr: 'Les {shown} plus pressantes sont listées ; toutes les demandes en attente :', en: 'The {shown} most pressing are listed; every pending request:' },
  'overview.awaitingCaption': { fr: 'Les plus pressantes d’abord : examens par échéance, puis contreseings.', en: 'Most pressing first: reviews by deadline, then countersignatures.' },
  'overview.col.decision': { fr: 'Décision attendue', en: 'Decision awaited' },
  'overview.col.due': { fr: 'Échéance', en: 'Due' },
  'overview.decision.review': { fr: 'Examiner (approuver ou refuser)', en: 'Review (approve or deny)' },
  'overview.decision.countersign': { fr: 'Contresigner l’urgence', en: 'Countersign the emergency' },
  'overview.due': { fr: 'avant le {at}', en: 'by {at}' },
} as const satisfies MessageSection;
