// The report contract between agent and server: one TypeBox schema gives the TS types,
// the server's request validation and the OpenAPI document. Every object refuses unknown
// fields and every string and array is bounded, so a hostile report cannot bloat storage.
import { Type, type Static, type TSchema } from 'typebox';

export const SCHEMA_VERSION = 1 as const;

export const HOST_ROLES = [
  'workstation',
  'admin-workstation',
  'telemaintenance-gateway',
  'server',
  'backup-server',
] as const;
export type HostRole = (typeof HOST_ROLES)[number];

const strict = { additionalProperties: false } as const;

/** A bounded free-text string (names, reasons, paths). */
export const Text = (maxLength = 256) => Type.String({ minLength: 1, maxLength });
/** An optional text that may be null when the tool did not say. */
const NullableText = (maxLength = 256) => Type.Union([Text(maxLength), Type.Null()]);
const Timestamp = Type.String({ format: 'date-time', maxLength: 40 });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Pid = Type.Union([Type.Integer({ minimum: 0, maximum: 2 ** 31 }), Type.Null()]);
const IpAddress = Type.String({ minLength: 1, maxLength: 64 });
const List = <T extends TSchema>(item: T, maxItems: number) => Type.Array(item, { maxItems });

/** What a collector says when it could not observe something: never a guessed value. */
export const Unavailable = Type.Object({ unavailable: Text(500) }, strict);
export type Unavailable = Static<typeof Unavailable>;

/** Either the observed data or an explicit `{ unavailable: reason }`. */
export const Observed = <T extends TSchema>(data: T) => Type.Union([data, Unavailable]);

export function isUnavailable(value: unknown): value is Unavailable {
  return typeof value === 'object' && value !== null && 'unavailable' in value;
}

// ---------------------------------------------------------------- host identity

export const HostRoleSchema = Type.Enum(HOST_ROLES);

export const HostIdentity = Type.Object(
  {
    host_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }),
    hostname: Text(253),
    os: Type.Object(
      {
        platform: Type.Union([
          Type.Literal('linux'),
          Type.Literal('windows'),
          Type.Literal('darwin'),
          Type.Literal('other'),
        ]),
        distro: NullableText(128),
        release: NullableText(128),
        arch: NullableText(32),
      },
      strict,
    ),
    role: HostRoleSchema,
    site: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
  },
  strict,
);
export type HostIdentity = Static<typeof HostIdentity>;

// ---------------------------------------------------------------- network (open URLs)

export const Protocol = Type.Union([Type.Literal('tcp'), Type.Literal('udp')]);

export const Listener = Type.Object(
  {
    protocol: Protocol,
    address: IpAddress,
    port: Port,
    process: NullableText(128),
    pid: Pid,
  },
  strict,
);
export type Listener = Static<typeof Listener>;

export const OutboundFlow = Type.Object(
  {
    protocol: Protocol,
    remote_address: IpAddress,
    remote_port: Port,
    remote_fqdn: NullableText(253),
    process: NullableText(128),
    pid: Pid,
    first_seen: Timestamp,
    last_seen: Timestamp,
  },
  strict,
);
export type OutboundFlow = Static<typeof OutboundFlow>;

export const OutboundObservation = Type.Object(
  {
    /** How the window was observed, e.g. "socket table sampled every 60 s". */
    method: Text(200),
    window_start: Timestamp,
    window_end: Timestamp,
    samples: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    flows: List(OutboundFlow, 5000),
  },
  strict,
);
export type OutboundObservation = Static<typeof OutboundObservation>;

export const EgressProbe = Type.Object(
  {
    target: Text(512),
    expectation: Type.Union([Type.Literal('blocked'), Type.Literal('reachable')]),
    outcome: Type.Union([
      Type.Literal('reachable'),
      Type.Literal('refused'),
      Type.Literal('timeout'),
      Type.Literal('dns_failure'),
      Type.Literal('tls_failure'),
      Type.Literal('error'),
    ]),
    detail: NullableText(300),
    duration_ms: Type.Integer({ minimum: 0, maximum: 600_000 }),
  },
  strict,
);
export type EgressProbe = Static<typeof EgressProbe>;

/**
 * A probe the server hands an agent (added in phase 2): `tcp://host:port` (TCP connect) or
 * `tls://host:port` / `https://host[:port][/...]` (TCP connect + TLS handshake with certificate
 * validation). `expectation` says what the role's policy wants.
 */
export const EgressProbeTarget = Type.Object(
  {
    target: Type.String({ minLength: 1, maxLength: 512, pattern: '^(tcp|tls|https)://' }),
    expectation: Type.Union([Type.Literal('blocked'), Type.Literal('reachable')]),
  },
  strict,
);
export type EgressProbeTarget = Static<typeof EgressProbeTarget>;

export const ProxyDns = Type.Object(
  {
    /** Proxy URLs from the environment, with any userinfo stripped. */
    env_proxy: Type.Object(
      {
        http: NullableText(512),
        https: NullableText(512),
        no_proxy: NullableText(1024),
      },
      strict,
    ),
    resolvers: List(IpAddress, 32),
    dns_over_tls: Type.Union([Type.Boolean(), Type.Null()]),
  },
  strict,
);
export type ProxyDns = Static<typeof ProxyDns>;

export const NetworkEvidence = Type.Object(
  {
    listeners: Observed(List(Listener, 2000)),
    outbound: Observed(OutboundObservation),
    egress_probes: Observed(List(EgressProbe, 200)),
    proxy_dns: Observed(ProxyDns),
  },
  strict,
);
export type NetworkEvidence = Static<typeof NetworkEvidence>;

// ---------------------------------------------------------------- Wi-Fi

export const WifiMode = Type.Union([
  Type.Literal('managed'),
  Type.Literal('ap'),
  Type.Literal('ibss'),
  Type.Literal('p2p-go'),
  Type.Literal('p2p-client'),
  Type.Literal('monitor'),
  Type.Literal('other'),
  Type.Literal('unknown'),
]);

export const WifiInterface = Type.Object(
  {
    name: Text(64),
    driver: NullableText(128),
    /** Radio state: `off` when rfkill blocks it or the adapter is disabled. */
    radio: Type.Union([Type.Literal('on'), Type.Literal('off'), Type.Literal('unknown')]),
    oper_state: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('unknown')]),
    mode: WifiMode,
    connection: Type.Union([
      Type.Object(
        {
          ssid: Text(64),
          key_management: NullableText(64),
          cipher: NullableText(64),
        },
        strict,
      ),
      Type.Null(),
    ]),
  },
  strict,
);
export type WifiInterface = Static<typeof WifiInterface>;

/** A saved Wi-Fi profile (added in phase 2). Never a key, password or 802.1X identity. */
export const WifiProfile = Type.Object(
  {
    ssid: Text(64),
    /** As the OS names it (NetworkManager: none, wpa-psk, sae, wpa-eap, owe...; null = open). */
    key_management: NullableText(64),
    /** Pairwise ciphers the profile allows (null = whatever the network offers). */
    cipher: NullableText(64),
    autoconnect: Type.Boolean(),
    mode: WifiMode,
    /** 802.1X settings for enterprise profiles; null when the profile is not 802.1X. */
    eap: Type.Union([
      Type.Object(
        {
          methods: List(Text(32), 8),
          phase2: NullableText(64),
          /** A CA certificate is configured to validate the RADIUS server (null: the tool does not say). */
          ca_configured: Type.Union([Type.Boolean(), Type.Null()]),
          /** The system CA store is used to validate the RADIUS server. */
          system_ca: Type.Union([Type.Boolean(), Type.Null()]),
          /** Server name constraint (domain-suffix-match / domain-match), if any. */
          server_name: NullableText(256),
        },
        strict,
      ),
      Type.Null(),
    ]),
  },
  strict,
);
export type WifiProfile = Static<typeof WifiProfile>;

/** A network seen in the last scan (added in phase 2). */
export const VisibleNetwork = Type.Object(
  {
    /** null for a hidden network. */
    ssid: NullableText(64),
    /** As the OS prints it, e.g. "WPA2 802.1X", "WPA1 WPA2", "" -> null for open. */
    security: NullableText(64),
    in_use: Type.Boolean(),
  },
  strict,
);
export type VisibleNetwork = Static<typeof VisibleNetwork>;

export const BridgeInterface = Type.Object(
  { name: Text(64), members: List(Text(64), 64) },
  strict,
);

export const WifiEvidence = Type.Object(
  {
    /** What was asked to see the radios (e.g. "systeminformation wifiInterfaces + /sys/class/ieee80211"). */
    source: Text(200),
    /** `false` only when the kernel itself shows no WLAN device at all. */
    hardware_present: Type.Boolean(),
    interfaces: List(WifiInterface, 32),
    /** Added in phase 2 (all optional): saved profiles, last scan, routing between interfaces. */
    profiles: Type.Optional(Observed(List(WifiProfile, 256))),
    visible_networks: Type.Optional(Observed(List(VisibleNetwork, 256))),
    ip_forwarding: Type.Optional(
      Observed(Type.Object({ ipv4: Type.Boolean(), ipv6: Type.Union([Type.Boolean(), Type.Null()]) }, strict)),
    ),
    bridges: Type.Optional(Observed(List(BridgeInterface, 32))),
  },
  strict,
);
export type WifiEvidence = Static<typeof WifiEvidence>;

// ---------------------------------------------------------------- backups

export const BackupTool = Type.Union([
  Type.Literal('restic'),
  Type.Literal('borg'),
  Type.Literal('wbadmin'),
  Type.Literal('timemachine'),
  Type.Literal('status-file'),
]);

export const BackupSourceObserved = Type.Object(
  {
    tool: BackupTool,
    /** Repository or target, never a password or key. */
    target: Text(512),
    last_success_at: NullableTimestamp,
    snapshot_count: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
  },
  strict,
);

export const BackupSourceUnavailable = Type.Object(
  {
    tool: BackupTool,
    target: Text(512),
    unavailable: Text(500),
  },
  strict,
);

export const BackupSource = Type.Union([BackupSourceObserved, BackupSourceUnavailable]);
export type BackupSource = Static<typeof BackupSource>;

export const BackupEvidence = Type.Object(
  {
    sources: List(BackupSource, 64),
  },
  strict,
);
export type BackupEvidence = Static<typeof BackupEvidence>;

// ---------------------------------------------------------------- MFA / authentication

/** The sshd -T keys the AUTH rules read, lower-case as sshd prints them. */
export const SshdSettings = Type.Object(
  {
    authenticationmethods: NullableText(512),
    passwordauthentication: NullableText(16),
    kbdinteractiveauthentication: NullableText(16),
    usepam: NullableText(16),
    permitrootlogin: NullableText(32),
    permitemptypasswords: NullableText(16),
    pubkeyauthoptions: NullableText(64),
    allowusers: List(Text(128), 256),
    allowgroups: List(Text(128), 256),
    x11forwarding: NullableText(16),
    allowtcpforwarding: NullableText(16),
    listenaddress: List(Text(128), 64),
  },
  strict,
);
export type SshdSettings = Static<typeof SshdSettings>;

/** Effective sshd settings for one admin user (`sshd -T -C user=NAME`): what `Match` blocks make of them. */
export const SshdUserSettings = Type.Union([
  Type.Object({ user: Text(64), settings: SshdSettings }, strict),
  Type.Object({ user: Text(64), unavailable: Text(500) }, strict),
]);
export type SshdUserSettings = Static<typeof SshdUserSettings>;

export const SshdEvidence = Type.Object(
  {
    installed: Type.Boolean(),
    /** Effective configuration from `sshd -T`; null when sshd is not installed. */
    settings: Type.Union([SshdSettings, Type.Null()]),
    /** Added in phase 2: per admin-group member, the settings after `Match` blocks. */
    per_user: Type.Optional(List(SshdUserSettings, 32)),
  },
  strict,
);
export type SshdEvidence = Static<typeof SshdEvidence>;

/** One line of a PAM stack, after includes are resolved. Arguments that look like secrets are redacted. */
export const PamEntry = Type.Object(
  {
    type: Type.Union([Type.Literal('auth'), Type.Literal('account'), Type.Literal('password'), Type.Literal('session')]),
    /** As written: `required`, `requisite`, `sufficient`, `optional`, or `[success=1 default=ignore]`. */
    control: Text(256),
    /** Module file name, e.g. `pam_u2f.so` (directory removed). */
    module: Text(128),
    arguments: List(Text(256), 64),
    /** Written `-auth` etc.: the line is skipped silently when the module is not installed. */
    if_present: Type.Boolean(),
    /** File the line comes from (e.g. `common-auth`), and how it was reached. */
    source: Text(128),
    via: Type.Union([Type.Literal('direct'), Type.Literal('include'), Type.Literal('substack')]),
  },
  strict,
);
export type PamEntry = Static<typeof PamEntry>;

export const PamService = Type.Union([
  Type.Object({ service: Text(64), entries: List(PamEntry, 300) }, strict),
  Type.Object({ service: Text(64), unavailable: Text(500) }, strict),
]);
export type PamService = Static<typeof PamService>;

export const PamEvidence = Type.Object(
  {
    /** The stacks of sshd, sudo and login (those present on the host). */
    services: List(PamService, 16),
  },
  strict,
);
export type PamEvidence = Static<typeof PamEvidence>;

/** Windows logon facts from `dsregcmd /status` (added in phase 2). null: not printed. */
export const WindowsLogon = Type.Object(
  {
    azure_ad_joined: Type.Union([Type.Boolean(), Type.Null()]),
    domain_joined: Type.Union([Type.Boolean(), Type.Null()]),
    domain_name: NullableText(128),
    /** Windows Hello for Business key provisioned for the user dsregcmd ran as. */
    ngc_set: Type.Union([Type.Boolean(), Type.Null()]),
    /** The Windows Hello for Business policy is enabled (Ngc prerequisite check). */
    whfb_policy_enabled: Type.Union([Type.Boolean(), Type.Null()]),
  },
  strict,
);
export type WindowsLogon = Static<typeof WindowsLogon>;

/** Account lockout policy (added in phase 2): Windows `net accounts`. */
export const LockoutPolicy = Type.Object(
  {
    /** Failed attempts before lockout; 0 = never locks. */
    threshold: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    duration_minutes: Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000 }), Type.Null()]),
    observation_window_minutes: Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000 }), Type.Null()]),
    source: Text(100),
  },
  strict,
);
export type LockoutPolicy = Static<typeof LockoutPolicy>;

export const MfaEvidence = Type.Object(
  {
    sshd: Observed(SshdEvidence),
    /** Added in phase 2 (Linux/macOS). */
    pam: Type.Optional(Observed(PamEvidence)),
    /** Added in phase 2 (Windows). */
    windows_logon: Type.Optional(Observed(WindowsLogon)),
    lockout: Type.Optional(Observed(LockoutPolicy)),
  },
  strict,
);
export type MfaEvidence = Static<typeof MfaEvidence>;

// ---------------------------------------------------------------- the report

export const Report = Type.Object(
  {
    schema_version: Type.Literal(SCHEMA_VERSION),
    report_id: Type.String({ format: 'uuid', maxLength: 36 }),
    agent_version: Type.String({ minLength: 1, maxLength: 32 }),
    collected_at: Timestamp,
    host: HostIdentity,
    /** Reports this agent evicted unsent from its bounded outbox since enrollment (cumulative). */
    dropped_reports: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 })),
    network: Observed(NetworkEvidence),
    wifi: Observed(WifiEvidence),
    backups: Observed(BackupEvidence),
    mfa: Observed(MfaEvidence),
  },
  strict,
);
export type Report = Static<typeof Report>;

/** The evidence part of a report: what collectors produce, before identity is attached. */
export type Evidence = Pick<Report, 'network' | 'wifi' | 'backups' | 'mfa'>;

/** Upper bound of a serialised report, enforced by the server before parsing. */
export const REPORT_MAX_BYTES = 1024 * 1024;
