// Texts of the hosts page's bulk action (a waiver for every host of a filter).
import type { MessageSection } from './message.js';

export const bulkMessages = {
  'bulk.title': { fr: 'Dérogation groupée', en: 'Bulk waiver' },
  'bulk.section': { fr: 'Action groupée', en: 'Bulk action' },
  'bulk.link': { fr: 'Déroger à {rule} pour ces {n} hôtes…', en: 'Waive {rule} for these {n} hosts…' },
  'bulk.hint': {
    fr: 'Pour déroger en bloc, filtrez sur une règle et le verdict « non conforme » ou « avertissement » : l’action porte exactement sur les hôtes du filtre.',
    en: 'To waive in bulk, filter on a rule and the verdict “fail” or “warning”: the action covers exactly the hosts of the filter.',
  },
  'bulk.intro': {
    fr: 'Une dérogation par hôte sélectionné par le filtre ci-dessous, chacune limitée à son hôte, avec la même justification et la même fin. Le serveur recalcule le filtre au moment de créer : si le nombre d’hôtes a changé, rien n’est créé et le nouveau nombre vous est montré. Chaque dérogation et l’action groupée sont inscrites au journal d’audit.',
    en: 'One waiver per host selected by the filter below, each limited to its host, with the same justification and end date. The server applies the filter again when creating: if the number of hosts changed, nothing is created and the new number is shown to you. Each waiver and the bulk action are written to the audit log.',
  },
  'bulk.filterTitle': { fr: 'Filtre', en: 'Filter' },
  'bulk.back': { fr: 'Revenir à la liste filtrée', en: 'Back to the filtered list' },
  'bulk.count': { fr: 'Cette action crée {n} dérogations à la règle {rule} ({title}), une par hôte.', en: 'This action creates {n} waivers of rule {rule} ({title}), one per host.' },
  'bulk.preview': { fr: 'Les {shown} premiers des {n} hôtes concernés', en: 'The first {shown} of the {n} hosts concerned' },
  'bulk.fullList': { fr: 'Liste complète des {n} hôtes (exportable)', en: 'Full list of the {n} hosts (exportable)' },
  'bulk.confirm': { fr: 'Je confirme créer {n} dérogations', en: 'I confirm creating {n} waivers' },
  'bulk.submit': { fr: 'Créer les {n} dérogations', en: 'Create the {n} waivers' },
  'bulk.refusal.empty_filter': { fr: 'Refusé : le filtre est vide. Une action groupée porte sur un filtre, jamais sur tout le parc.', en: 'Refused: the filter is empty. A bulk action acts on a filter, never on the whole fleet.' },
  'bulk.refusal.needs_rule': { fr: 'Refusé : le filtre doit nommer la règle à déroger.', en: 'Refused: the filter must name the rule to waive.' },
  'bulk.refusal.needs_fail_or_warn': {
    fr: 'Refusé : le filtre doit retenir le verdict « non conforme » ou « avertissement » sur cette règle. Une dérogation sur un hôte conforme masquerait sa prochaine non-conformité.',
    en: 'Refused: the filter must select the verdict “fail” or “warning” on this rule. A waiver on a passing host would hide its next failure.',
  },
  'bulk.refusal.revoked_included': { fr: 'Refusé : le filtre inclut des hôtes révoqués.', en: 'Refused: the filter includes revoked hosts.' },
  'bulk.refusal.no_host': { fr: 'Aucun hôte ne correspond à ce filtre : rien à déroger.', en: 'No host matches this filter: nothing to waive.' },
  'bulk.refusal.too_many': {
    fr: 'Refusé : {n} hôtes correspondent, au plus {max} par dérogation groupée. Pour autant d’hôtes, créez une dérogation par site ou par rôle (page Dérogations).',
    en: 'Refused: {n} hosts match, at most {max} per bulk waiver. For that many hosts, create a site or role waiver (Waivers page).',
  },
  'bulk.changed': {
    fr: 'Rien n’a été créé : le filtre sélectionne maintenant {n} hôtes, et non les {expected} confirmés. Vérifiez et confirmez à nouveau.',
    en: 'Nothing was created: the filter now selects {n} hosts, not the {expected} you confirmed. Check and confirm again.',
  },
  'bulk.notConfirmed': { fr: 'Rien n’a été créé : cochez la case de confirmation.', en: 'Nothing was created: tick the confirmation box.' },
  'bulk.refused': { fr: 'Rien n’a été créé : {reason}', en: 'Nothing was created: {reason}' },
  'bulk.done': {
    fr: 'Dérogation groupée n° {seq} du journal : {n} dérogations à la règle {rule} créées par {by}, jusqu’au {until}.',
    en: 'Bulk waiver, audit log entry {seq}: {n} waivers of rule {rule} created by {by}, until {until}.',
  },
} as const satisfies MessageSection;
