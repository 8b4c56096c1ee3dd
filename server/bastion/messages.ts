// What the vendor reads on their terminal: French first, then English, one line each time.
import type { GrantWindow, ListedGrant } from './authority.js';

function hhmm(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function windowText(window: GrantWindow): string {
  return `${hhmm(window.notBefore)} -> ${hhmm(window.notAfter)}`;
}

export function refusalLine(targetName: string, reason: string, message: string, next: GrantWindow | null): string {
  const nextText = next === null ? 'aucune fenêtre approuvée à venir / no approved window to come' : `prochaine fenêtre / next window: ${windowText(next)}`;
  return `Vigie: accès refusé à ${targetName} / access refused to ${targetName} (${reason}): ${message} — ${nextText}`;
}

export function grantListing(username: string, grants: readonly ListedGrant[], now: Date): string {
  if (grants.length === 0) return `Vigie: ${username}, aucune autorisation en cours ni à venir / no current or upcoming grant.\n`;
  const lines = grants.map((grant) => {
    const current = Date.parse(grant.notBefore) <= now.getTime() && now.getTime() < Date.parse(grant.notAfter);
    const state = grant.blocked !== null ? `inutilisable maintenant / unusable now: ${grant.blocked}` : current ? 'en cours / open now' : 'à venir / upcoming';
    return `  ${grant.targetName}  ${windowText(grant)}  ${state}  (ssh ${username}+${grant.targetName}@...)`;
  });
  return `Vigie: autorisations de ${username} / grants of ${username}:\n${lines.join('\n')}\n`;
}

export function warningLine(minutes: number, notAfter: string): string {
  return `Vigie: la fenêtre se ferme dans ${minutes} min (${hhmm(notAfter)}) / the window closes in ${minutes} min`;
}

const CUT_TEXT: Record<string, string> = {
  window_end: 'fin de la fenêtre approuvée / the approved window is over',
  revoked: 'autorisation révoquée / the grant was revoked',
  cut: 'coupée par la sécurité / cut by security staff',
  idle: "inactivité / idle timeout",
  recording_failed: "l'enregistrement ne peut plus être écrit / the recording cannot be written",
  database_unreachable: 'la base de Vigie est injoignable / Vigie cannot read its database',
  server_stopped: 'arrêt du serveur Vigie / the Vigie server is stopping',
};

/** Why a session is cut, French / English. */
export function cutText(reason: string): string {
  return CUT_TEXT[reason] ?? reason;
}

export function cutLine(reason: string): string {
  return `Vigie: séance coupée / session cut: ${cutText(reason)}`;
}

export function channelRefusedLine(what: string): string {
  return `Vigie: ${what} non autorisé sur cet équipement / ${what} is not allowed on this device`;
}
