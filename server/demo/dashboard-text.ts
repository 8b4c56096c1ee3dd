// What the demo prints about the dashboard: its URL, the ready RSSI login, how to get a TOTP code
// (the secret for an authenticator app, as a QR code too, or the helper script), the recovery
// codes, and that the trend history before today's audit is simulated.
import QRCode from 'qrcode';
import type { DemoLogin } from './dashboard-login.js';
import type { Lang } from './summary.js';

/** Days of trends the demo shows, today's real audit included. */
export const HISTORY_DAYS = 90;

export async function dashboardText(lang: Lang, baseUrl: string, login: DemoLogin): Promise<string> {
  const qr = await QRCode.toString(login.otpauthUri, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
  const codes = login.recoveryCodes.join(' ');
  const script = `npx tsx server/demo/totp-code.ts ${login.totpSecret}`;
  if (lang === 'en') {
    return [
      `Dashboard: ${baseUrl}/login`,
      `  RSSI login: ${login.username}   password: ${login.password}`,
      `  TOTP code: add this secret to an authenticator app (FreeOTP, Aegis, Google Authenticator...): ${login.totpSecret}`,
      `    or scan the QR code below (${login.otpauthUri}),`,
      `    or print the current code in another terminal: ${script}`,
      `  Recovery codes (single use): ${codes}`,
      `  Trends: today's nightly audit is real; the ${HISTORY_DAYS - 1} days before it are simulated, like the hosts.`,
      qr,
    ].join('\n');
  }
  return [
    `Tableau de bord : ${baseUrl}/login`,
    `  Connexion RSSI : ${login.username}   mot de passe : ${login.password}`,
    `  Code TOTP : ajoutez ce secret à une application d’authentification (FreeOTP, Aegis, Google Authenticator…) : ${login.totpSecret}`,
    `    ou scannez le QR code ci-dessous (${login.otpauthUri}),`,
    `    ou affichez le code du moment dans un autre terminal : ${script}`,
    `  Codes de secours (usage unique) : ${codes}`,
    `  Tendances : l’audit nocturne de ce jour est réel ; les ${HISTORY_DAYS - 1} jours qui le précèdent sont simulés, comme les hôtes.`,
    qr,
  ].join('\n');
}
