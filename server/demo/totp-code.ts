// The current TOTP code of a secret, for the demo's RSSI when no authenticator app is at hand:
//   npx tsx server/demo/totp-code.ts SECRET
// A code is accepted once: after signing in, wait for the next one (at most 30 s).
import { totpCode } from '../auth/totp.js';

const secret = process.argv[2] ?? '';
if (!/^[A-Z2-7]{16,128}=*$/.test(secret)) {
  console.error('usage: npx tsx server/demo/totp-code.ts SECRET (the base32 secret the demo printed)');
  process.exit(2);
}
const now = new Date();
const left = 30 - (Math.floor(now.getTime() / 1000) % 30);
console.log(`${totpCode(secret, now)}  (valid ${left} s more)`);
