// The bastion's host key generator (server/bastion/keys.ts): ssh2 1.17 makes a malformed OpenSSH
// Ed25519 key once in 256 draws (it strips the public key's leading zero bytes), which made
// `vigie server init` leave a host key `vigie server start` then refuses (a CI run failed on it).
// Every key Vigie writes must parse with ssh2's own parser and carry a 32-byte public key.
import t from 'tap';
import ssh2 from 'ssh2';
import { BastionKeyError, generateHostKeyPair } from '../../../server/bastion/keys.js';

const { utils } = ssh2;

// Drawn here from ssh2 1.17.0's utils.generateKeyPairSync('ed25519', { comment: 'vigie-bastion' }):
// its public key began with 0x00, and the string holding it is 31 bytes long ("AAAAH" below).
const MALFORMED_BY_SSH2 = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMgAAAAtz',
  'c2gtZWQyNTUxOQAAAB+lsdyYWEZGIBozU3wb8UASPYvQD34XmuzDmB+l79FzAAAA',
  'kF1PpnVdT6Z1AAAAC3NzaC1lZDI1NTE5AAAAH6Wx3JhYRkYgGjNTfBvxQBI9i9AP',
  'fhea7MOYH6Xv0XMAAAA/P92lCHKPG//H7s+ULLZaomYDd2aezfAgyCGxSmKIz4el',
  'sdyYWEZGIBozU3wb8UASPYvQD34XmuzDmB+l79FzAAAADXZpZ2llLWJhc3Rpb24B',
  'Ag==',
  '-----END OPENSSH PRIVATE KEY-----',
  '',
].join('\n');

function publicKeyLength(privateKey: string): number {
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error || Array.isArray(parsed)) return -1;
  const blob = parsed.getPublicSSH();
  // string "ssh-ed25519", then string key: the key's length is the uint32 after the name.
  return blob.readUInt32BE(4 + blob.readUInt32BE(0));
}

t.test('the malformed pair ssh2 can draw is drawn again, never returned', async (t) => {
  t.type(utils.parseKey(MALFORMED_BY_SSH2), Error, 'ssh2 cannot read back what its generator made');
  const good = utils.generateKeyPairSync('ed25519', { comment: 'vigie-bastion' });
  const draws = [{ private: MALFORMED_BY_SSH2, public: 'ssh-ed25519 AAAA bad' }, good];
  let calls = 0;
  const pair = generateHostKeyPair(() => draws[calls++]!);
  t.equal(calls, 2, 'a second draw');
  t.equal(pair, good);
});

t.test('a generator that only makes malformed keys ends with a clear error, bounded', async (t) => {
  let calls = 0;
  t.throws(
    () =>
      generateHostKeyPair(() => {
        calls++;
        return { private: MALFORMED_BY_SSH2, public: '' };
      }),
    BastionKeyError,
  );
  t.equal(calls, 8);
});

t.test('1,200 host keys from the real generator all parse, each with a 32-byte Ed25519 public key', async (t) => {
  // Without the redraw, 1,200 draws hold a malformed key with probability 1 - (255/256)^1200 > 0.99.
  let malformed = 0;
  for (let i = 0; i < 1200; i++) {
    const pair = generateHostKeyPair();
    if (publicKeyLength(pair.private) !== 32 || !pair.public.startsWith('ssh-ed25519 ')) malformed++;
  }
  t.equal(malformed, 0);
});
