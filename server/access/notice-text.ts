// The words of an access notice, French first: the recipient's language opens the message and the
// other follows. Facts only (who, which device, which window, why); no secret, no link that logs
// anyone in: the reader opens Vigie as usual and signs in with their own factors.
import type { AccessNotice, AccessNoticeKind } from './notices.js';
import type { NoticeLang } from './contacts.js';

export interface NoticeText {
  subject: string;
  text: string;
}

const ZONE = 'Europe/Paris';

function when(iso: string | null, lang: NoticeLang): string {
  if (iso === null) return '-';
  const d = new Date(iso);
  const local = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: ZONE }).format(d);
  return `${local} (${ZONE})`;
}

/** User-typed text in a mail body: control characters (but line breaks) made spaces, bounded. */
function plain(text: string | null, max = 1000): string {
  if (text === null || text.trim() === '') return '-';
  const clean = text.replace(/\r\n?/g, '\n').replace(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** A subject is one line. */
const oneLine = (text: string) => text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]+/g, ' ').slice(0, 200);

const TITLES: Record<AccessNoticeKind, Record<NoticeLang, string>> = {
  requested: { fr: "Demande d'accès de télémaintenance à examiner", en: 'Telemaintenance access request to review' },
  emergency: { fr: "URGENCE : accès de télémaintenance en bris de glace", en: 'EMERGENCY: break-glass telemaintenance access' },
  approved: { fr: "Demande d'accès approuvée", en: 'Access request approved' },
  denied: { fr: "Demande d'accès refusée", en: 'Access request denied' },
  revoked: { fr: 'Accès de télémaintenance révoqué', en: 'Telemaintenance access revoked' },
  cancelled: { fr: "Demande d'accès annulée par le demandeur", en: 'Access request cancelled by the requester' },
  expired: { fr: "Demande d'accès expirée", en: 'Access request expired' },
  countersigned: { fr: "Accès d'urgence contresigné", en: 'Emergency access countersigned' },
};

const LEAD: Record<AccessNoticeKind, Record<NoticeLang, string>> = {
  requested: {
    fr: "Une demande d'accès attend votre avis. Examinez-la dans Vigie (Télémaintenance) ; votre avis demande un code TOTP à jour.",
    en: 'An access request awaits your review. Review it in Vigie (Telemaintenance); your review asks for a current TOTP code.',
  },
  emergency: {
    fr: "Un accès d'urgence a été demandé : la fenêtre commence maintenant. Un seul approbateur suffit ; il devra être contresigné par un autre approbateur sous 24 h.",
    en: 'An emergency access was requested: its window starts now. One approver suffices; another approver must countersign it within 24 h.',
  },
  approved: { fr: 'Votre demande est approuvée : la fenêtre ci-dessous est ouverte par Vigie.', en: 'Your request is approved: the window below is open through Vigie.' },
  denied: { fr: 'Votre demande est refusée.', en: 'Your request is denied.' },
  revoked: { fr: "L'autorisation est révoquée : ses séances en cours sont coupées.", en: 'The grant is revoked: its open sessions are cut.' },
  cancelled: { fr: "Le demandeur a retiré sa demande : elle n'attend plus d'avis.", en: 'The requester withdrew the request: it no longer awaits review.' },
  expired: { fr: "La demande a expiré sans être utilisée jusqu'au bout.", en: 'The request expired.' },
  countersigned: { fr: "L'accès d'urgence a été contresigné.", en: 'The emergency access was countersigned.' },
};

const LABELS = {
  fr: { request: 'Demande', state: 'État', requester: 'Demandeur', vendor: 'Fournisseur', target: 'Équipement', site: 'Site', window: 'Fenêtre', from: 'du', to: 'au', deadline: "Date limite d'avis", ticket: 'Ticket', reason: 'Motif', by: 'Par', said: 'Commentaire', override: 'Dérogation au contrôle de posture', emergency: 'Urgence', yes: 'oui', no: 'non' },
  en: { request: 'Request', state: 'State', requester: 'Requester', vendor: 'Vendor', target: 'Device', site: 'Site', window: 'Window', from: 'from', to: 'to', deadline: 'Review deadline', ticket: 'Ticket', reason: 'Reason', by: 'By', said: 'Comment', override: 'Posture gate override', emergency: 'Emergency', yes: 'yes', no: 'no' },
} as const;

function section(notice: AccessNotice, lang: NoticeLang): string {
  const r = notice.request;
  const l = LABELS[lang];
  const lines = [
    TITLES[notice.kind][lang],
    '',
    LEAD[notice.kind][lang],
    '',
    `${l.request}: ${r.request_id}`,
    `${l.state}: ${r.state}`,
    `${l.requester}: ${plain(r.requester, 64)}${r.vendor === null ? '' : ` (${l.vendor}: ${plain(r.vendor, 64)})`}`,
    `${l.target}: ${r.target} — ${l.site}: ${plain(r.site, 64)}`,
    `${l.window}: ${l.from} ${when(r.not_before, lang)} ${l.to} ${when(r.not_after, lang)}`,
    `${l.emergency}: ${r.emergency ? l.yes : l.no}`,
    `${l.ticket}: ${plain(r.ticket, 64)}`,
    `${l.reason}: ${plain(r.reason)}`,
  ];
  if (notice.kind === 'requested') lines.push(`${l.deadline}: ${when(r.review_deadline, lang)}`);
  if (r.posture_override !== null) lines.push(`${l.override}: ${plain(r.posture_override.by, 64)} — ${plain(r.posture_override.justification, 500)} (${r.posture_override.failing_rules.join(', ')})`);
  lines.push(`${l.by}: ${plain(notice.actor, 64)}`);
  if (notice.reason !== null && notice.reason !== r.reason) lines.push(`${l.said}: ${plain(notice.reason)}`);
  return lines.join('\n');
}

/** Subject and plain-text body for a recipient reading `lang` first. */
export function noticeText(notice: AccessNotice, lang: NoticeLang): NoticeText {
  const other: NoticeLang = lang === 'fr' ? 'en' : 'fr';
  const r = notice.request;
  const subject = oneLine(`[Vigie] ${TITLES[notice.kind][lang]} — ${r.target} (${r.ticket})`);
  const footer =
    lang === 'fr'
      ? "Message automatique de Vigie. Il ne contient aucun lien de connexion : ouvrez Vigie comme d'habitude."
      : 'Automatic message from Vigie. It holds no sign-in link: open Vigie as usual.';
  return { subject, text: `${section(notice, lang)}\n\n----------\n\n${section(notice, other)}\n\n-- \n${footer}\n` };
}
