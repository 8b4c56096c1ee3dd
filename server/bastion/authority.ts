// The bastion's narrow view of the access domain (vendors, keys, targets, grants, posture gate):
// everything it must ask before and during a session, and nothing more. Users and their TOTP
// secrets are the server's own (server/db/users.ts) and are read directly. The real implementation
// reads the access module (./access-authority.ts); unit tests use an in-memory one.

/** A public key a user registered (OpenSSH one-line form). */
export interface RegisteredKey {
  fingerprint: string;
  /** e.g. `ssh-ed25519 AAAA... comment` */
  publicKey: string;
}

/** What the bastion needs of a target to reach it; the credential is asked for apart, at connect. */
export interface UpstreamTarget {
  targetId: string;
  name: string;
  host: string;
  port: number;
  /** Pinned host key fingerprint, OpenSSH form `SHA256:<base64>`. */
  hostKeyFingerprint: string;
  channels: {
    shell: boolean;
    exec: boolean;
    sftp: boolean;
    /** Ports `direct-tcpip` may reach on the target's address; empty: none. */
    forwardPorts: readonly number[];
  };
  recordInput: boolean;
}

/**
 * The device credential, opened from its sealed form only for the upstream connection. Never logged,
 * never stored by the bastion, never sent to the vendor.
 */
export type DeviceCredential =
  | { username: string; kind: 'key'; privateKey: string }
  | { username: string; kind: 'password'; password: string };

export interface GrantWindow {
  grantId: string;
  requestId: string;
  targetName: string;
  /** ISO-8601 UTC; inclusive start, exclusive end. */
  notBefore: string;
  notAfter: string;
}

/** A grant as the bare `<user>` login lists it. */
export interface ListedGrant extends GrantWindow {
  /** null when it lets the user in (now, or when its window opens); else why not now, one French / English phrase. */
  blocked: string | null;
}

export type ConnectDecision =
  | { allowed: true; grant: GrantWindow; target: UpstreamTarget }
  | {
      allowed: false;
      /** Machine-readable reason: no_grant, window_not_started, window_over, revoked, posture_gate, target_unknown, not_allowed_vendor... */
      reason: string;
      /** One line, French first then English, for the vendor's terminal. */
      message: string;
      /** The next approved window for (user, target), if any. */
      nextWindow: GrantWindow | null;
    };

/** The state of a grant as the watchdog re-reads it every tick. */
export interface GrantStatus {
  grantId: string;
  /** false once revoked, closed, or otherwise no longer valid. */
  valid: boolean;
  /** Why it stopped being valid (e.g. `revoked`). */
  reason: string | null;
  notAfter: string;
}

export interface BastionAuthority {
  registeredKeys(userId: string): Promise<RegisteredKey[]>;
  /** A grant of `userId` on `targetName` whose window contains `now`, and the posture gate; or why not. */
  decideConnect(userId: string, targetName: string, now: Date): Promise<ConnectDecision>;
  /**
   * The user's grants whose window is current or to come and that can let them in (for the bare
   * `<user>` login): none on a target that is disabled or that their vendor is no longer allowed
   * on; a current one the posture gate refuses now is listed with the reason. `hidden` counts those left out.
   */
  currentGrants(userId: string, now: Date): Promise<{ grants: ListedGrant[]; hidden: number }>;
  /** Read again every tick by the watchdog; a missing id means the grant is gone (invalid). Throws when the database cannot be read. */
  grantStatuses(grantIds: readonly string[], now: Date): Promise<Map<string, GrantStatus>>;
  deviceCredential(targetId: string): Promise<DeviceCredential>;
  /** A session started under this grant (approved -> active in the access domain). */
  sessionStarted(grantId: string, sessionId: string, now: Date): Promise<void>;
}
