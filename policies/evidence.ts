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

export const WifiEvidence = Type.Object(
  {
    /** What was asked to see the radios (e.g. "systeminformation wifiInterfaces + /sys/class/ieee80211"). */
    source: Text(200),
    /** `false` only when the kernel itself shows no WLAN device at all. */
    hardware_present: Type.Boolean(),
    interfaces: List(WifiInterface, 32),
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

export const SshdEvidence = Type.Object(
  {
    installed: Type.Boolean(),
    /** Effective configuration from `sshd -T`; null when sshd is not installed. */
    settings: Type.Union([SshdSettings, Type.Null()]),
  },
  strict,
);
export type SshdEvidence = Static<typeof SshdEvidence>;

export const MfaEvidence = Type.Object(
  {
    sshd: Observed(SshdEvidence),
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
