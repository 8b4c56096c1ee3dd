// Modern algorithms only, both ways: curve25519 key exchange, Ed25519 host keys (the bastion's own;
// devices may present ECDSA or RSA-SHA2 keys, checked against their pin), AEAD ciphers
// (chacha20-poly1305, AES-GCM) and encrypt-then-MAC SHA-2 MACs (unused with AEAD, but a peer must
// be offered some). No SHA-1, no CBC, no DH groups below 2048 bits, no compression.
import type { Algorithms, CipherAlgorithm, KexAlgorithm, MacAlgorithm } from 'ssh2';

const KEX: KexAlgorithm[] = ['curve25519-sha256', 'curve25519-sha256@libssh.org'];
const CIPHERS: CipherAlgorithm[] = ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'];
const MACS: MacAlgorithm[] = ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com'];

export const SERVER_ALGORITHMS: Algorithms = {
  kex: KEX,
  cipher: CIPHERS,
  serverHostKey: ['ssh-ed25519'],
  hmac: MACS,
  compress: ['none'],
};

export const UPSTREAM_ALGORITHMS: Algorithms = {
  kex: KEX,
  // AES-GCM first: hardware AES makes it the cheapest for the bastion's CPU on both legs.
  cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com'],
  serverHostKey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'],
  hmac: MACS,
  compress: ['none'],
};
