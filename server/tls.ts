// HTTPS material: a small local CA and a server certificate for sites without a PKI (`vigie server
// init`), the fingerprint agents pin, and finding the certificate and key the server serves.
//
// Certificates are made with @peculiar/x509 over Node's WebCrypto (ECDSA P-256, SHA-256); no ASN.1
// is written by hand. Keys are PKCS#8 PEM files with mode 0600.
//
// Pinned fingerprint format: SHA-256 of the certificate's DER bytes, lowercase hex, no colons
// (64 characters), e.g. `certificateFingerprint(pem)`; `openssl x509 -noout -fingerprint -sha256`
// prints the same digest in uppercase with colons.
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata API first.
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

// Node's WebCrypto implements the standard interface; only the DOM type names differ.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

/** Folder (inside the data dir) holding the local CA and the server certificate. */
export const TLS_DIR_NAME = 'tls';
export const CA_VALIDITY_DAYS = 3650;
export const SERVER_VALIDITY_DAYS = 825;
/** Bounds on `--hostname`: a handful of names, each a valid DNS name or IP address. */
export const MAX_HOSTNAMES = 32;

const DAY_MS = 86_400_000;
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const LOOPBACK_ADDRESSES = ['127.0.0.1', '::1'] as const;
const DNS_NAME = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export class TlsError extends Error {
  override name = 'TlsError';
}

export interface TlsPaths {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

export function tlsPaths(dataDir: string): TlsPaths {
  const dir = join(dataDir, TLS_DIR_NAME);
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
  };
}

/** SHA-256 of the (first) certificate's DER bytes, lowercase hex without colons. */
export function certificateFingerprint(pem: string | Buffer): string {
  let der: Buffer;
  try {
    der = new X509Certificate(pem).raw;
  } catch (error) {
    throw new TlsError(`Not a PEM certificate: ${(error as Error).message}`);
  }
  return createHash('sha256').update(der).digest('hex');
}

/** The same digest in base64url (43 characters), for agents that prefer it. */
export function fingerprintToBase64Url(hexFingerprint: string): string {
  if (!/^[0-9a-f]{64}$/.test(hexFingerprint)) throw new TlsError('A fingerprint is 64 lowercase hex characters.');
  return Buffer.from(hexFingerprint, 'hex').toString('base64url');
}

/** Split names into DNS and IP subject alternative names; loopback addresses and localhost are always added. */
export function subjectAltNames(hostnames: readonly string[]): { dns: string[]; ip: string[] } {
  if (hostnames.length > MAX_HOSTNAMES) throw new TlsError(`At most ${MAX_HOSTNAMES} hostnames.`);
  const dns = new Set<string>();
  const ip = new Set<string>(LOOPBACK_ADDRESSES);
  for (const raw of hostnames) {
    const name = raw.trim().replace(/^\[|\]$/g, '');
    if (isIP(name) !== 0) ip.add(name);
    else if (DNS_NAME.test(name)) dns.add(name.toLowerCase());
    else throw new TlsError(`"${raw.slice(0, 80)}" is neither a DNS name nor an IP address.`);
  }
  dns.add('localhost');
  return { dns: [...dns], ip: [...ip] };
}

export interface LocalPki {
  caCertPem: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive INTEGER
  return bytes.toString('hex');
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** A fresh CA (10 years) and a server certificate (825 days) signed by it, for `hostnames`. */
export async function generateLocalPki(options: { hostnames: readonly string[]; organisation?: string; now?: Date }): Promise<LocalPki> {
  const now = options.now ?? new Date();
  const san = subjectAltNames(options.hostnames);
  const org = (options.organisation ?? 'Vigie').replace(/[,=+<>#;"\\]/g, ' ').slice(0, 64);
  const caKeys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const serverKeys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const notBefore = new Date(now.getTime() - 5 * 60_000); // tolerate small clock skew on agents
  const caName = `CN=${org} local CA ${now.toISOString().slice(0, 10)}, O=${org}`;

  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: caName,
    notBefore,
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: KEY_ALGORITHM,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const firstName = san.dns.find((n) => n !== 'localhost') ?? san.ip[0] ?? 'localhost';
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${firstName.replace(/[,=+<>#;"\\]/g, ' ')}, O=${org}`,
    issuer: ca.subject,
    notBefore,
    notAfter: new Date(now.getTime() + SERVER_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: KEY_ALGORITHM,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...san.dns.map((value) => ({ type: 'dns' as const, value })),
        ...san.ip.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  return {
    caCertPem: ca.toString('pem'),
    caKeyPem: await privateKeyPem(caKeys.privateKey),
    serverCertPem: server.toString('pem'),
    serverKeyPem: await privateKeyPem(serverKeys.privateKey),
  };
}

export interface InitializedPki {
  paths: TlsPaths;
  /** certificateFingerprint of the server certificate: what agents pin. */
  serverFingerprint: string;
  caFingerprint: string;
  /** Subject alternative names of the server certificate. */
  dns: string[];
  ip: string[];
}

function writePrivate(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its old mode otherwise
}

/**
 * `vigie server init`: write the local CA and server certificate into `<dataDir>/tls` (keys 0600).
 * Refuses to replace existing material unless `force` (agents pinned the old fingerprint).
 */
export async function initLocalPki(
  dataDir: string,
  options: { hostnames: readonly string[]; force?: boolean; now?: Date },
): Promise<InitializedPki> {
  const paths = tlsPaths(dataDir);
  const existing = [paths.caCert, paths.caKey, paths.serverCert, paths.serverKey].filter((p) => existsSync(p));
  if (existing.length > 0 && options.force !== true) {
    throw new TlsError(
      `TLS material already exists (${existing.join(', ')}); agents may have pinned its fingerprint. ` +
        'Use --force to replace it (every agent must then pin the new fingerprint).',
    );
  }
  const pki = await generateLocalPki({ hostnames: options.hostnames, ...(options.now === undefined ? {} : { now: options.now }) });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  writePrivate(paths.caKey, pki.caKeyPem);
  writePrivate(paths.serverKey, pki.serverKeyPem);
  writeFileSync(paths.caCert, pki.caCertPem, { mode: 0o644 });
  writeFileSync(paths.serverCert, pki.serverCertPem, { mode: 0o644 });
  const san = subjectAltNames(options.hostnames);
  return {
    paths,
    serverFingerprint: certificateFingerprint(pki.serverCertPem),
    caFingerprint: certificateFingerprint(pki.caCertPem),
    dns: san.dns,
    ip: san.ip,
  };
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
  fingerprint: string;
}

/**
 * The certificate and key to serve: the configured files if given, else `<dataDir>/tls/server.*`
 * when `vigie server init` made them, else null (plain HTTP). Unreadable or mismatched files throw.
 */
export function loadTlsMaterial(config: { dataDir: string; tlsCertFile: string | null; tlsKeyFile: string | null }): TlsMaterial | null {
  let certFile = config.tlsCertFile;
  let keyFile = config.tlsKeyFile;
  if (certFile === null || keyFile === null) {
    const paths = tlsPaths(config.dataDir);
    if (!existsSync(paths.serverCert) && !existsSync(paths.serverKey)) return null;
    certFile = paths.serverCert;
    keyFile = paths.serverKey;
  }
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = readFileSync(certFile);
    key = readFileSync(keyFile);
  } catch (error) {
    throw new TlsError(`Cannot read the TLS certificate or key: ${(error as Error).message}`);
  }
  // Serve the chain (server certificate, then the local CA that issued it) so a client can
  // anchor trust on the CA: the agent pins the server certificate and trusts its issuer.
  const paths = tlsPaths(config.dataDir);
  if (certFile === paths.serverCert && existsSync(paths.caCert)) {
    cert = Buffer.concat([cert, Buffer.from('\n'), readFileSync(paths.caCert)]);
  }
  const fingerprint = certificateFingerprint(cert);
  let matches = false;
  try {
    matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch (error) {
    throw new TlsError(`Invalid TLS private key ${keyFile}: ${(error as Error).message}`);
  }
  if (!matches) throw new TlsError(`The key ${keyFile} does not belong to the certificate ${certFile}.`);
  return { cert, key, certFile, keyFile, fingerprint };
}
