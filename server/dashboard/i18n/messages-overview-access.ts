// Texts of the overview's telemaintenance line (open access requests, live sessions).
import type { MessageSection } from './message.js';

export const overviewAccessMessages = {
  'overview.accessTitle': { fr: 'Télémaintenance', en: 'Telemaintenance' },
  'overview.accessRequests': { fr: 'demandes {state}', en: 'requests {state}' },
  'overview.liveSessions': { fr: 'séances en direct', en: 'live sessions' },
} as const satisfies MessageSection;
