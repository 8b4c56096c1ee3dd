// TOTP (RFC 6238) with the `otpauth` library: 6 digits, 30 s, SHA-1 (what every authenticator app
// supports). One step of clock drift is accepted either way, and a code's time step is never
// accepted twice (the last accepted step is stored per user).
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

export const TOTP_ISSUER = 'Vigie';
const PERIOD = 30;
const DIGITS = 6;
const WINDOW = 1;

function totpFor(secretBase32: string, username = ''): TOTP {
  return new TOTP({ issuer: TOTP_ISSUER, label: username, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secretBase32) });
}

/** A fresh 160-bit secret, base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** otpauth://totp/Vigie:<username>?secret=...&issuer=Vigie... for authenticator apps. */
export function totpUri(secretBase32: string, username: string): string {
  return totpFor(secretBase32, username).toString();
}

export interface TotpEnrolment {
  otpauth_uri: string;
  /** The URI as a QR code: an SVG document and a PNG data URL. */
  qr_svg: string;
  qr_png_data_url: string;
}

export async function totpEnrolment(secretBase32: string, username: string): Promise<TotpEnrolment> {
  const uri = totpUri(secretBase32, username);
  const [svg, png] = await Promise.all([
    QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
    QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2 }),
  ]);
  return { otpauth_uri: uri, qr_svg: svg, qr_png_data_url: png };
}

/** The code for a secret at a time (tests, and nothing else, need to compute one). */
export function totpCode(secretBase32: string, at: Date): string {
  return totpFor(secretBase32).generate({ timestamp: at.getTime() });
}

/**
 * The time step of `code` if it is valid at `now` (within one step of drift) and later than
 * `lastStep` (replay protection); null otherwise.
 */
export function acceptTotp(secretBase32: string, code: string, now: Date, lastStep: number | null): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = totpFor(secretBase32);
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: WINDOW });
  if (delta === null) return null;
  const step = totp.counter({ timestamp: now.getTime() }) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}
