// The report contract between agent and server: one TypeBox schema gives the TS types,
// the server's request validation and the OpenAPI document. Every object refuses unknown
// fields and every string and array is bounded, so a hostile report cannot bloat storage.
import { Type, type Static, type TSchema } from 'typebox';
import { STORABLE_TEXT_PATTERN } from './storable-text.js';

export const SCHEMA_VERSION = 1 as const;
/**
 * Revision of the evidence inside schema 1: every revision only adds optional fields, so a server
 * accepts reports of any revision and an older agent's report stays valid. 2 (issue 19): the
 * `system` section, remote-control tools, password policy, and the Linux collectors filling the
 * fields that were "not reported by this agent". See docs/evidence.md.
 */
export const EVIDENCE_REVISION = 2 as const;

export const HOST_ROLES = [
  'workstation',
  'admin-workstation',
  'telemaintenance-gateway',
  'server',
  'backup-server',
] as const;
export type HostRole = (typeof HOST_ROLES)[number];

const strict = { additionalProperties: false } as const;

/** A bounded free-text string (names, reasons, paths); no NUL or lone surrogate (policies/storable-text.ts). */
export const Text = (maxLength = 256) => Type.String({ minLength: 1, maxLength, pattern: STORABLE_TEXT_PATTERN });
/** An optional text that may be null when the tool did not say. */
const NullableText = (maxLength = 256) => Type.Union([Text(maxLength), Type.Null()]);
/**
 * RFC 3339, and a time JavaScript can read: no leap second (23:59:60) and no RFC 9557 suffix,
 * which the date-time format accepts but Date.parse does not.
 */
export const TIMESTAMP_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:[0-5]\\d(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$';
const Timestamp = Type.String({ format: 'date-time', maxLength: 40, pattern: TIMESTAMP_PATTERN });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Pid = Type.Union([Type.Integer({ minimum: 0, maximum: 2 ** 31 }), Type.Null()]);
const IpAddress = Type.String({ minLength: 1, maxLength: 64, pattern: STORABLE_TEXT_PATTERN });
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
    /** Added by evidence (revision 2): host tags from the agent config, e.g. `mobile` (laptops leaving the site). */
    tags: Type.Optional(List(Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9][a-z0-9-]*$' }), 16)),
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

// Names of destinations (added by destinations, issue 18; name_resolution.version says which
// revision of this part an agent speaks). A name comes from a DNS answer the host saw, never
// from reverse DNS.
/** Where a flow's name came from. */
export const NAME_SOURCES = ['dnsmasq-log', 'resolved-monitor', 'dns-client-event', 'sysmon-dns', 'dns-client-cache'] as const;
export type NameSource = (typeof NAME_SOURCES)[number];
/**
 * How sure the join is: `exact` = an answer containing the flow's address, given before the flow
 * was first seen, to the same process (or, when the source records no process, the only name
 * answered with that address); `inferred` = several names shared the address (CDN) or the
 * process differs, the latest answer before the flow was taken; `cache` = from a cache snapshot
 * (no time of resolution, no process).
 */
export const NAME_CONFIDENCES = ['exact', 'inferred', 'cache'] as const;
export type NameConfidence = (typeof NAME_CONFIDENCES)[number];
/** The revision of the name_resolution part an agent speaks (the server reads it). */
export const NAME_RESOLUTION_VERSION = 1 as const;

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
    /** Added by destinations: where remote_fqdn came from and how sure the join is (absent when remote_fqdn is null). */
    remote_fqdn_source: Type.Optional(Type.Enum(NAME_SOURCES)),
    remote_fqdn_confidence: Type.Optional(Type.Enum(NAME_CONFIDENCES)),
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
    target: Type.String({ minLength: 1, maxLength: 512, pattern: '^(tcp|tls|https)://[^\\u0000\\uD800-\\uDFFF]*$' }),
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

/** System proxy settings beyond the environment (added for NET-03 by rules-net). Never credentials. */
export const ProxyPolicy = Type.Object(
  {
    /** Where it was read, e.g. "WinHTTP + Internet Settings (HKLM policy)", "dconf org.gnome.system.proxy". */
    source: Text(200),
    /** Explicit proxy as configured (host:port or URL, userinfo stripped); null when none. */
    system_proxy: NullableText(512),
    /** Proxy auto-configuration URL; null when none. */
    pac_url: NullableText(2048),
    /** The proxy setting is imposed by policy (GPO, managed preference, locked key); null when unknowable. */
    enforced_by_policy: Type.Union([Type.Boolean(), Type.Null()]),
  },
  strict,
);
export type ProxyPolicy = Static<typeof ProxyPolicy>;

/** A browser's managed DNS-over-HTTPS policy (added for NET-04 by rules-net). */
export const BrowserDohPolicy = Type.Object(
  {
    /** e.g. "chrome", "edge", "firefox". */
    browser: Text(64),
    /** Mode the managed policy imposes (Chrome/Edge DnsOverHttpsMode, Firefox DNSOverHTTPS); null = no policy. */
    policy_mode: Type.Union([Type.Literal('off'), Type.Literal('automatic'), Type.Literal('secure'), Type.Null()]),
  },
  strict,
);
export type BrowserDohPolicy = Static<typeof BrowserDohPolicy>;

/** One host-firewall profile (Windows Domain/Private/Public) or Linux inbound hook (added for NET-07). */
export const FirewallProfile = Type.Object(
  {
    /** "Domain", "Private", "Public"; on Linux e.g. "nftables inet filter input". */
    name: Text(64),
    /** In use now (Windows: profile of a connected network; Linux: the input hook, always true). */
    active: Type.Boolean(),
    enabled: Type.Boolean(),
    /** Effective default for inbound traffic; null when it could not be established. */
    default_inbound: Type.Union([Type.Literal('block'), Type.Literal('allow'), Type.Null()]),
    /** Blocked/dropped inbound packets are logged; null when unknowable. */
    logs_blocked: Type.Union([Type.Boolean(), Type.Null()]),
  },
  strict,
);
export type FirewallProfile = Static<typeof FirewallProfile>;

export const HostFirewall = Type.Object(
  {
    /** What was read, e.g. "Get-NetFirewallProfile", "nft -j list ruleset". */
    source: Text(200),
    profiles: List(FirewallProfile, 16),
  },
  strict,
);
export type HostFirewall = Static<typeof HostFirewall>;

/** SMBv1 state (added for NET-06 by rules-net); null when the side could not be observed. */
export const Smb1State = Type.Object(
  {
    /** e.g. "Get-SmbServerConfiguration", "testparm -s (server min protocol)". */
    source: Text(200),
    server_enabled: Type.Union([Type.Boolean(), Type.Null()]),
    client_enabled: Type.Union([Type.Boolean(), Type.Null()]),
  },
  strict,
);
export type Smb1State = Static<typeof Smb1State>;

/** A remote-control product found on the host (added for NET-08, revision 2). */
export const RemoteControlTool = Type.Object(
  {
    /** Product key, e.g. "teamviewer", "anydesk", "rustdesk", "vnc", "chrome-remote-desktop". */
    product: Text(64),
    /** How it was found: installed package, service unit or running process. */
    found_by: List(Type.Union([Type.Literal('package'), Type.Literal('service'), Type.Literal('process')]), 3),
    /** Package or process name as the host shows it. */
    name: Text(128),
    running: Type.Boolean(),
    /** An established connection from one of its processes (to a relay or a peer) was seen now. */
    connected: Type.Union([Type.Boolean(), Type.Null()]),
  },
  strict,
);
export type RemoteControlTool = Static<typeof RemoteControlTool>;
/** One name source on the host: read, or unavailable with the reason (and how to enable it). */
export const NameSourceState = Type.Union([
  Type.Object({ source: Type.Enum(NAME_SOURCES), state: Type.Literal('read'), answers: Type.Integer({ minimum: 0, maximum: 100_000_000 }) }, strict),
  Type.Object({ source: Type.Enum(NAME_SOURCES), state: Type.Literal('unavailable'), reason: Text(500) }, strict),
]);
export type NameSourceState = Static<typeof NameSourceState>;

export const NameResolution = Type.Object(
  {
    version: Type.Literal(NAME_RESOLUTION_VERSION),
    sources: List(NameSourceState, 8),
    /** Flows of the outbound observation that carry a name, by confidence. */
    flows_named: Type.Object(
      {
        exact: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
        inferred: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
        cache: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
        unnamed: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
      },
      strict,
    ),
  },
  strict,
);
export type NameResolution = Static<typeof NameResolution>;

export const NetworkEvidence = Type.Object(
  {
    listeners: Observed(List(Listener, 2000)),
    outbound: Observed(OutboundObservation),
    egress_probes: Observed(List(EgressProbe, 200)),
    proxy_dns: Observed(ProxyDns),
    /** Added by rules-net (issue 5), all optional: absent = not reported by this agent. */
    proxy_policy: Type.Optional(Observed(ProxyPolicy)),
    browser_doh: Type.Optional(Observed(List(BrowserDohPolicy, 16))),
    firewall: Type.Optional(Observed(HostFirewall)),
    smb1: Type.Optional(Observed(Smb1State)),
    /** Added by evidence (issue 19, revision 2): remote-control products installed or running (NET-08). */
    remote_control: Type.Optional(Observed(List(RemoteControlTool, 64))),
    /** Added by destinations (issue 18): this host's own interface addresses (maps proxy-log clients to hosts). */
    local_addresses: Type.Optional(Observed(List(IpAddress, 64))),
    /** Added by destinations (issue 18): the name sources the agent read; unavailable says why none. */
    name_resolution: Type.Optional(Observed(NameResolution)),
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
    /** WPA versions allowed (NetworkManager 802-11-wireless-security.proto: "wpa", "rsn"); null/absent = any. Added by rules-net. */
    proto: Type.Optional(NullableText(32)),
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
export type BridgeInterface = Static<typeof BridgeInterface>;

/** Hotspot state (added for WIFI-05 by rules-net); null when the platform or tool cannot say. */
export const WifiHotspot = Type.Object(
  {
    /** Windows Mobile Hotspot / hosted network, or a NetworkManager hotspot connection, active now. */
    hotspot_active: Type.Union([Type.Boolean(), Type.Null()]),
    /** An access-point daemon (hostapd, create_ap) is running. */
    ap_daemon_running: Type.Union([Type.Boolean(), Type.Null()]),
  },
  strict,
);
export type WifiHotspot = Static<typeof WifiHotspot>;

/** A wired (Ethernet) interface and its link state (added for WIFI-06 by rules-net). */
export const WiredInterface = Type.Object(
  {
    name: Text(64),
    oper_state: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('unknown')]),
  },
  strict,
);
export type WiredInterface = Static<typeof WiredInterface>;

/** An access point as a WLC/AP collector reports it (added for WIFI-07, revision 2). */
export const AccessPoint = Type.Object(
  {
    name: Text(128),
    wps_enabled: Type.Union([Type.Boolean(), Type.Null()]),
    /** The admin interface answers from a WLAN (any SSID VLAN). */
    admin_reachable_from_wlan: Type.Union([Type.Boolean(), Type.Null()]),
    /** Attested by the collector's operator: the default admin password was changed. */
    admin_password_changed: Type.Union([Type.Boolean(), Type.Null()]),
    admin_password_length: Type.Union([Type.Integer({ minimum: 0, maximum: 1024 }), Type.Null()]),
    /** Guest VLAN cannot route to internal ranges. */
    guest_isolated: Type.Union([Type.Boolean(), Type.Null()]),
    guest_session_ttl_minutes: Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000 }), Type.Null()]),
  },
  strict,
);
export type AccessPoint = Static<typeof AccessPoint>;

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
    /** Added by rules-net (issue 5), optional: hotspot / AP daemon state (WIFI-05), wired links (WIFI-06), Windows ICS. */
    hotspot: Type.Optional(Observed(WifiHotspot)),
    wired_interfaces: Type.Optional(Observed(List(WiredInterface, 64))),
    connection_sharing: Type.Optional(Observed(Type.Object({ enabled: Type.Boolean() }, strict))),
    /** Added by evidence (revision 2): access points reported by an AP/WLC collector (WIFI-07); absent without one. */
    access_points: Type.Optional(Observed(List(AccessPoint, 512))),
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

/** A copy kept out of the attacker's reach (added for BKP-02 by rules-bkp). */
export const OfflineCopy = Type.Object(
  {
    /** `offline`: removable media or a disconnected target; `immutable`: object lock / WORM. */
    kind: Type.Union([Type.Literal('offline'), Type.Literal('immutable')]),
    /** Media label, bucket or target, never a password or key. */
    target: Text(512),
    /** Site / building where the copy is kept. */
    location: NullableText(128),
    last_copy_at: NullableTimestamp,
    /** Offline media: plugged in right now (then it is not offline). null = not known. */
    media_connected: Type.Union([Type.Boolean(), Type.Null()]),
    /** Immutable storage: retention (lock) period in days. null = not known. */
    retention_days: Type.Union([Type.Number({ minimum: 0, maximum: 100_000 }), Type.Null()]),
  },
  strict,
);
export type OfflineCopy = Static<typeof OfflineCopy>;

/** One place backup copies are kept (added for BKP-03 by rules-bkp): the 3-2-1 inventory. */
export const BackupRepository = Type.Object(
  {
    name: Text(256),
    media: Type.Union([
      Type.Literal('disk'),
      Type.Literal('nas'),
      Type.Literal('tape'),
      Type.Literal('removable'),
      Type.Literal('object-storage'),
      Type.Literal('cloud'),
      Type.Literal('other'),
    ]),
    /** The storage system (array, NAS, library, provider) holding it: copies on one system are one failure domain. */
    storage_system: Text(128),
    site: NullableText(128),
    off_site: Type.Boolean(),
    state: Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('immutable')]),
  },
  strict,
);
export type BackupRepository = Static<typeof BackupRepository>;

/** A restore test record (added for BKP-04 by rules-bkp). No operator name: personal data. */
export const RestoreTest = Type.Object(
  {
    tested_at: Timestamp,
    scope: Text(256),
    result: Type.Union([Type.Literal('success'), Type.Literal('partial'), Type.Literal('failure')]),
    /** Reference of the record sheet (ticket, document id). */
    record: NullableText(256),
  },
  strict,
);
export type RestoreTest = Static<typeof RestoreTest>;

const NullableBoolean = Type.Union([Type.Boolean(), Type.Null()]);

/** How the backup console and repository authenticate their users (added for BKP-05 by rules-bkp). */
export const BackupConsoleAccess = Type.Object(
  {
    product: Text(128),
    identity_source: Type.Union([
      Type.Literal('local'),
      Type.Literal('active-directory'),
      Type.Literal('ldap'),
      Type.Literal('sso'),
      Type.Literal('other'),
    ]),
    /** AD forest / directory the console trusts (DNS name); null for local accounts. */
    directory_forest: NullableText(253),
    mfa_supported: NullableBoolean,
    mfa_enabled: NullableBoolean,
    builtin_admin: Type.Object(
      {
        name: Text(64),
        enabled: NullableBoolean,
        /** Logged in with over the product's own history window. */
        used_recently: NullableBoolean,
        password_vaulted: NullableBoolean,
      },
      strict,
    ),
  },
  strict,
);
export type BackupConsoleAccess = Static<typeof BackupConsoleAccess>;

/** Backup supervision (added for BKP-06, revision 2): declared by the backup tool's status file. */
export const BackupMonitoring = Type.Object(
  {
    /** Where failure alerts go (mail address or supervision URL), null = no alerting. */
    alert_target: NullableText(256),
    failed_jobs: List(Type.Object({ failed_at: Timestamp, job: Text(256), acknowledged: Type.Boolean() }, strict), 200),
    /** Backup data crosses the network encrypted (TLS, SSH, or client-side encryption). null = not known. */
    transport_encrypted: NullableBoolean,
  },
  strict,
);
export type BackupMonitoring = Static<typeof BackupMonitoring>;

/** A third-party backup destination (added for BKP-07, revision 2). */
export const BackupDestination = Type.Object(
  {
    name: Text(256),
    provider: Text(128),
    third_party: Type.Boolean(),
    health_data: Type.Boolean(),
    /** Storage region as ISO 3166-1 alpha-2 country code. */
    region_country: Type.Union([Type.String({ pattern: '^[A-Z]{2}$' }), Type.Null()]),
    hds_certificate: NullableText(128),
    hds_expires_at: NullableTimestamp,
    secnumcloud: NullableBoolean,
  },
  strict,
);
export type BackupDestination = Static<typeof BackupDestination>;

/** A removable volume used as a backup target (added for BKP-08, revision 2). */
export const RemovableBackupTarget = Type.Object(
  {
    label: Text(128),
    inventory_id: NullableText(64),
    encrypted: NullableBoolean,
    /** Plugged in now, and since when (null when not connected or not known). */
    connected: Type.Boolean(),
    connected_since: NullableTimestamp,
    last_job_ended_at: NullableTimestamp,
  },
  strict,
);
export type RemovableBackupTarget = Static<typeof RemovableBackupTarget>;

/**
 * The hosts a backup server's repositories hold snapshots of (added by evidence, revision 2): restic
 * and borg record the host name of each snapshot. The server joins it to those hosts for BKP-01.
 */
export const CoveredHost = Type.Object(
  {
    /** Host name as the backup tool recorded it (restic `hostname`, borg `{hostname}`). */
    hostname: Text(253),
    tool: BackupTool,
    /** Repository, never a password or key. */
    target: Text(512),
    last_snapshot_at: Timestamp,
    snapshot_count: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
  },
  strict,
);
export type CoveredHost = Static<typeof CoveredHost>;

export const BackupEvidence = Type.Object(
  {
    sources: List(BackupSource, 64),
    /** Added by evidence (revision 2): on a backup server, the hosts its repositories hold snapshots of. */
    hosts_covered: Type.Optional(Observed(List(CoveredHost, 4096))),
    /** Added by evidence (revision 2): BKP-06..08 declarations. */
    monitoring: Type.Optional(Observed(BackupMonitoring)),
    destinations: Type.Optional(Observed(List(BackupDestination, 32))),
    removable_targets: Type.Optional(Observed(List(RemovableBackupTarget, 32))),
    /** Added for BKP-02..05 by rules-bkp (optional; absent = not reported by this agent). */
    offline_copies: Type.Optional(Observed(List(OfflineCopy, 64))),
    repositories: Type.Optional(Observed(List(BackupRepository, 32))),
    restore_tests: Type.Optional(Observed(List(RestoreTest, 64))),
    console: Type.Optional(Observed(BackupConsoleAccess)),
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
    /** Added in phase 2: key algorithms sshd accepts (only sk-* ones = FIDO keys only). */
    pubkeyacceptedalgorithms: Type.Optional(NullableText(2048)),
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

/** One authorized key: its type and FIDO options only, never the key or its comment. */
export const AuthorizedKey = Type.Object(
  {
    /** e.g. `sk-ssh-ed25519@openssh.com` (FIDO), `ssh-ed25519`, `ssh-rsa`. */
    type: Text(64),
    /** `verify-required` option: the FIDO key must verify the user (PIN or biometrics). */
    verify_required: Type.Boolean(),
    /** `no-touch-required` option: the FIDO key need not be touched (weaker). */
    no_touch_required: Type.Boolean(),
  },
  strict,
);

export const AuthorizedKeys = Type.Union([
  Type.Object({ user: Text(64), keys: List(AuthorizedKey, 256) }, strict),
  Type.Object({ user: Text(64), unavailable: Text(500) }, strict),
]);
export type AuthorizedKeys = Static<typeof AuthorizedKeys>;

export const SshdEvidence = Type.Object(
  {
    installed: Type.Boolean(),
    /** Effective configuration from `sshd -T`; null when sshd is not installed. */
    settings: Type.Union([SshdSettings, Type.Null()]),
    /** Added in phase 2: per admin-group member, the settings after `Match` blocks. */
    per_user: Type.Optional(List(SshdUserSettings, 32)),
    /** Added in phase 2: per admin-group member, the kinds of keys their authorized_keys files allow. */
    authorized_keys: Type.Optional(List(AuthorizedKeys, 32)),
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

/** Account lockout policy (added in phase 2): Windows `net accounts`, Linux pam_faillock/pam_tally2. */
export const LockoutPolicy = Type.Object(
  {
    /** Failed attempts before lockout; 0 = never locks. */
    threshold: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    /** null: no automatic unlock (an administrator unlocks), or no lockout at all (threshold 0). */
    duration_minutes: Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000 }), Type.Null()]),
    observation_window_minutes: Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000 }), Type.Null()]),
    source: Text(100),
  },
  strict,
);
export type LockoutPolicy = Static<typeof LockoutPolicy>;

/** Authentication factor types, as named in entry points and second-factor policies (rules-bkp). */
export const FactorType = Type.Union([
  Type.Literal('password'),
  Type.Literal('pin'),
  Type.Literal('publickey'),
  Type.Literal('client-certificate'),
  Type.Literal('totp'),
  Type.Literal('hotp'),
  Type.Literal('push'),
  Type.Literal('sms'),
  Type.Literal('voice'),
  Type.Literal('email'),
  Type.Literal('fido2'),
  Type.Literal('u2f'),
  Type.Literal('smartcard'),
  Type.Literal('cps'),
  Type.Literal('e-cps'),
  Type.Literal('psc'),
  Type.Literal('whfb'),
  Type.Literal('other'),
]);
export type FactorType = Static<typeof FactorType>;

/** Second-factor enrolment of the admin group members (added for AUTH-02 by rules-bkp). */
export const SecondFactorEnrolment = Type.Object(
  {
    group: Text(64),
    members: List(
      Type.Object({ user: Text(64), enrolled: Type.Union([Type.Boolean(), Type.Null()]), method: NullableText(64) }, strict),
      64,
    ),
  },
  strict,
);
export type SecondFactorEnrolment = Static<typeof SecondFactorEnrolment>;

/**
 * Windows logon policy (added for AUTH-03 by rules-bkp), next to `windows_logon` (dsregcmd NgcSet):
 * PassportForWork policy, smart-card enforcement and interactive logons by credential type.
 */
export const WindowsLogonPolicy = Type.Object(
  {
    /** PassportForWork policy `Enabled` and `RequireSecurityDevice` (TPM-backed keys only). */
    passport_for_work_enabled: Type.Union([Type.Boolean(), Type.Null()]),
    require_security_device: Type.Union([Type.Boolean(), Type.Null()]),
    /** `scforceoption` = 1: interactive logon requires a smart card (CPS). */
    scforceoption: Type.Union([Type.Boolean(), Type.Null()]),
    /** Interactive logons since `since`, counted by credential type; null when the log was not read. */
    logons: Type.Union([
      Type.Object(
        {
          since: Timestamp,
          password: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
          whfb: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
          smartcard: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
          fido2: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
        },
        strict,
      ),
      Type.Null(),
    ]),
  },
  strict,
);
export type WindowsLogonPolicy = Static<typeof WindowsLogonPolicy>;

/** A way in from outside (added for AUTH-04/05 by rules-bkp). `factors` are required together. */
export const RemoteEntryPoint = Type.Object(
  {
    kind: Type.Union([
      Type.Literal('vpn'),
      Type.Literal('rdp-gateway'),
      Type.Literal('rd-web'),
      Type.Literal('ssh'),
      Type.Literal('vendor-portal'),
      Type.Literal('remote-control'),
      Type.Literal('other'),
    ]),
    name: Text(128),
    /** Who can reach it: `admin-network` entry points are not remote access (AUTH-01 covers sshd). */
    exposure: Type.Union([
      Type.Literal('internet'),
      Type.Literal('partner'),
      Type.Literal('internal'),
      Type.Literal('admin-network'),
    ]),
    factors: List(FactorType, 8),
  },
  strict,
);
export type RemoteEntryPoint = Static<typeof RemoteEntryPoint>;

/** Second-factor types configured for a population (added for AUTH-05 by rules-bkp). */
export const SecondFactorPolicy = Type.Object(
  {
    population: Type.Union([
      Type.Literal('admins'),
      Type.Literal('third-parties'),
      Type.Literal('remote-access'),
      Type.Literal('users'),
    ]),
    /** Where it is configured, e.g. "VPN FortiGate", "Pro Santé Connect", "pam_oath". */
    context: Text(128),
    factors: List(FactorType, 16),
  },
  strict,
);
export type SecondFactorPolicy = Static<typeof SecondFactorPolicy>;

/** Local administrators (added for AUTH-06 by rules-bkp). Names of admin accounts only. */
export const LocalAdmins = Type.Object(
  {
    /** Members of the local admin group (Administrators, sudo/wheel/admin). */
    members: List(
      Type.Object(
        {
          name: Text(128),
          kind: Type.Union([Type.Literal('user'), Type.Literal('group')]),
          last_interactive_logon_at: NullableTimestamp,
        },
        strict,
      ),
      64,
    ),
    /** Built-in Administrator (RID 500) or root. `enabled`: can log in (root: has a usable password). */
    builtin_admin: Type.Object(
      {
        name: Text(64),
        enabled: Type.Union([Type.Boolean(), Type.Null()]),
        laps_managed: Type.Union([Type.Boolean(), Type.Null()]),
        last_interactive_logon_at: NullableTimestamp,
      },
      strict,
    ),
    /** The account used day to day on this workstation is a local admin. */
    daily_user_is_admin: Type.Union([Type.Boolean(), Type.Null()]),
    /** Oldest logon record read: logons before it are not known. null = not read. */
    logon_history_since: NullableTimestamp,
  },
  strict,
);
export type LocalAdmins = Static<typeof LocalAdmins>;

/**
 * Local password policy (added for AUTH-08, revision 2): Linux login.defs + pam_pwquality /
 * pam_unix, Windows `net accounts` / secedit. null = not set or not readable by the tool.
 */
export const PasswordPolicy = Type.Object(
  {
    source: Text(200),
    min_length: Type.Union([Type.Integer({ minimum: 0, maximum: 10_000 }), Type.Null()]),
    /** Longest password accepted; null = no limit the tool knows of. */
    max_length: Type.Union([Type.Integer({ minimum: 0, maximum: 10_000 }), Type.Null()]),
    /** Forced expiry for new accounts in days; null = never expires. */
    max_age_days: Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000 }), Type.Null()]),
    history: Type.Union([Type.Integer({ minimum: 0, maximum: 10_000 }), Type.Null()]),
    /** Per account: forced expiry as set on the account itself (Linux shadow field 5, Windows per user). */
    accounts: List(
      Type.Object(
        {
          name: Text(64),
          privileged: Type.Boolean(),
          max_age_days: Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000 }), Type.Null()]),
        },
        strict,
      ),
      256,
    ),
  },
  strict,
);
export type PasswordPolicy = Static<typeof PasswordPolicy>;

export const MfaEvidence = Type.Object(
  {
    sshd: Observed(SshdEvidence),
    /** Added in phase 2 (Linux/macOS). */
    pam: Type.Optional(Observed(PamEvidence)),
    /** Added for AUTH-02..06 by rules-bkp (optional; absent = not reported by this agent). */
    enrolment: Type.Optional(Observed(SecondFactorEnrolment)),
    windows_logon_policy: Type.Optional(Observed(WindowsLogonPolicy)),
    remote_access: Type.Optional(Observed(List(RemoteEntryPoint, 64))),
    second_factors: Type.Optional(Observed(List(SecondFactorPolicy, 64))),
    local_admins: Type.Optional(Observed(LocalAdmins)),
    /** Added in phase 2 (Windows). */
    windows_logon: Type.Optional(Observed(WindowsLogon)),
    lockout: Type.Optional(Observed(LockoutPolicy)),
    /** Added by evidence (issue 19, revision 2): local password policy (AUTH-08). */
    password_policy: Type.Optional(Observed(PasswordPolicy)),
  },
  strict,
);
export type MfaEvidence = Static<typeof MfaEvidence>;

// ---------------------------------------------------------------- telemaintenance gateway (rules-bkp)
// Optional section (TMA-01..05). Server-side declared data (vendor IPs, approved windows, declared
// flows) is not evidence: it comes as rule parameters in the packs.

/** An inbound connection the gateway accepted over the observation window. */
export const InboundConnection = Type.Object(
  {
    protocol: Protocol,
    source_address: IpAddress,
    local_port: Port,
    first_seen: Timestamp,
    last_seen: Timestamp,
  },
  strict,
);
export type InboundConnection = Static<typeof InboundConnection>;

/** An ingress firewall rule that accepts traffic. `source` is `any`, an address or a CIDR. */
export const IngressRule = Type.Object(
  {
    source: Text(64),
    port: Type.Union([Port, Type.Null()]),
    protocol: Type.Union([Protocol, Type.Literal('any')]),
    description: NullableText(256),
  },
  strict,
);
export type IngressRule = Static<typeof IngressRule>;

/** A vendor account on the gateway, with its last enable/disable times. */
export const VendorAccount = Type.Object(
  {
    account: Text(64),
    enabled: Type.Boolean(),
    /** When it was last enabled (null = not known). */
    enabled_at: NullableTimestamp,
    /** When it was last disabled after `enabled_at` (null while enabled, or not known). */
    disabled_at: NullableTimestamp,
    /** Added by evidence (revision 2): account expiry, last password change, last login (null = none/unknown). */
    expires_at: Type.Optional(NullableTimestamp),
    password_changed_at: Type.Optional(NullableTimestamp),
    last_login_at: Type.Optional(NullableTimestamp),
  },
  strict,
);
export type VendorAccount = Static<typeof VendorAccount>;

export const TunnelEvent = Type.Object(
  { at: Timestamp, event: Type.Union([Type.Literal('up'), Type.Literal('down')]) },
  strict,
);

/** A vendor tunnel terminated on the gateway. Never a PSK, key or certificate body. */
export const Tunnel = Type.Object(
  {
    name: Text(128),
    type: Type.Union([
      Type.Literal('ipsec-ikev2'),
      Type.Literal('ipsec-ikev1'),
      Type.Literal('tls-vpn'),
      Type.Literal('ssh'),
      Type.Literal('cleartext'),
      Type.Literal('other'),
    ]),
    authentication: Type.Union([
      Type.Literal('certificate'),
      Type.Literal('psk'),
      Type.Literal('password'),
      Type.Literal('none'),
      Type.Literal('other'),
    ]),
    /** TLS VPN: the negotiated or minimum protocol version, e.g. "1.2", "1.3". */
    tls_version: NullableText(16),
    ciphers: List(Text(64), 16),
    state: Type.Union([Type.Literal('up'), Type.Literal('down')]),
    /** Up/down log over the observation window, oldest first. */
    events: List(TunnelEvent, 500),
  },
  strict,
);
export type Tunnel = Static<typeof Tunnel>;

/** An access account for one maintained device. Reuse is computed on the gateway: no secret, no hash. */
export const DeviceAccount = Type.Object(
  {
    device: Text(128),
    account: Text(64),
    auth: Type.Union([
      Type.Literal('mfa'),
      Type.Literal('one-time-password'),
      Type.Literal('password'),
      Type.Literal('publickey'),
      Type.Literal('other'),
    ]),
    /** One-time password: how long it stays valid, in hours. */
    otp_validity_hours: Type.Union([Type.Number({ minimum: 0, maximum: 100_000 }), Type.Null()]),
    /** The credential is also used for another device or account (salted comparison on the gateway). */
    credential_reused: Type.Union([Type.Boolean(), Type.Null()]),
  },
  strict,
);
export type DeviceAccount = Static<typeof DeviceAccount>;

export const LogForwarding = Type.Object(
  {
    /** Collector address or name. */
    target: Text(256),
    last_shipped_at: NullableTimestamp,
  },
  strict,
);
export type LogForwarding = Static<typeof LogForwarding>;

/** A recorded vendor session (who = account, not a person's name). */
export const SessionRecord = Type.Object(
  {
    session_id: Text(128),
    account: Text(64),
    source_address: IpAddress,
    device: NullableText(128),
    started_at: Timestamp,
    ended_at: NullableTimestamp,
    actions_recorded: Type.Boolean(),
    /** Linked intervention report id; null when none is linked. */
    report_id: NullableText(128),
  },
  strict,
);
export type SessionRecord = Static<typeof SessionRecord>;

export const TelemaintenanceEvidence = Type.Object(
  {
    inbound: Observed(
      Type.Object(
        { window_start: Timestamp, window_end: Timestamp, connections: List(InboundConnection, 2000) },
        strict,
      ),
    ),
    ingress_rules: Observed(List(IngressRule, 500)),
    vendor_accounts: Observed(List(VendorAccount, 256)),
    tunnels: Observed(List(Tunnel, 32)),
    device_accounts: Observed(List(DeviceAccount, 256)),
    log_forwarding: Observed(LogForwarding),
    sessions: Observed(List(SessionRecord, 1000)),
  },
  strict,
);
export type TelemaintenanceEvidence = Static<typeof TelemaintenanceEvidence>;

// ---------------------------------------------------------------- system (revision 2, issue 19)
// Inventory, patching, time, logs, disk encryption and VPN profiles (INV, LOG, ENC-01, NET-09).

/** OS product and version, as the vendor names them for its end-of-support dates. */
export const OsProduct = Type.Object(
  {
    /** Normalised product key: "debian", "ubuntu", "rhel", "rocky", "almalinux", "windows", "windows-server", "macos"... */
    product: Text(64),
    /** Vendor version: "12", "22.04", "9.4", Windows "10"/"11"/"2019"; macOS "14.5". */
    version: Text(64),
    /** Windows feature release ("22H2") or build ("19045.4291"); null elsewhere. */
    build: NullableText(64),
    /** Edition where support differs (Windows "Enterprise", "LTSC"); null when not relevant. */
    edition: NullableText(64),
    /** Where it was read, e.g. "/etc/os-release", "Get-CimInstance Win32_OperatingSystem". */
    source: Text(200),
  },
  strict,
);
export type OsProduct = Static<typeof OsProduct>;

export const TimeSync = Type.Object(
  {
    /** "chrony", "systemd-timesyncd", "ntpd", "w32time". */
    daemon: Text(64),
    /** Synchronised now according to the daemon. */
    synchronized: Type.Boolean(),
    /** Configured servers/pools (names or addresses). */
    configured_sources: List(Text(253), 32),
    /** The source currently followed; null when none is selected. */
    current_source: NullableText(253),
    /** Estimated offset of the system clock from true time, seconds (absolute); null when not known. */
    offset_seconds: Type.Union([Type.Number({ minimum: 0, maximum: 1e9 }), Type.Null()]),
  },
  strict,
);
export type TimeSync = Static<typeof TimeSync>;

/** Where the host forwards its logs, and the last time an event was shipped. */
export const LogForwardTarget = Type.Object(
  {
    /** "rsyslog", "syslog-ng", "systemd-journal-upload", "windows-event-forwarding", "other". */
    daemon: Text(64),
    /** Collector address, host:port or URL (credentials removed). */
    target: Text(512),
    protocol: Type.Union([
      Type.Literal('udp'),
      Type.Literal('tcp'),
      Type.Literal('tls'),
      Type.Literal('relp'),
      Type.Literal('http'),
      Type.Literal('https'),
      Type.Null(),
    ]),
    /** Last event the forwarder confirms it shipped; null with `last_shipped_unavailable` when it cannot say. */
    last_shipped_at: NullableTimestamp,
    last_shipped_unavailable: NullableText(300),
  },
  strict,
);
export type LogForwardTarget = Static<typeof LogForwardTarget>;

export const PendingUpdate = Type.Object(
  {
    package: Text(128),
    version: Text(128),
    security: Type.Boolean(),
    /** Advisory publication date (dnf updateinfo "Issued", Windows update release date); null when the repository does not say. */
    published_at: NullableTimestamp,
    /** First time this agent saw it pending (its own state): a lower bound of how long it has been pending. */
    first_seen_at: NullableTimestamp,
  },
  strict,
);
export type PendingUpdate = Static<typeof PendingUpdate>;

export const UpdateState = Type.Object(
  {
    /** "apt", "dnf", "Windows Update". */
    manager: Text(64),
    pending: List(PendingUpdate, 2000),
    /** Whether the list is complete (false when more than the list can hold were pending). */
    complete: Type.Boolean(),
    /** Last time any package update was installed; null when no record was found. */
    last_install_at: NullableTimestamp,
    /** Date of the newest package index the manager read (its metadata age). */
    index_date: NullableTimestamp,
  },
  strict,
);
export type UpdateState = Static<typeof UpdateState>;

/** One fixed volume holding the OS or user data, and its encryption. Never a key or recovery password. */
export const EncryptedVolume = Type.Object(
  {
    /** Mount point or drive letter: "/", "/home", "C:". */
    mount: Text(256),
    /** "luks", "bitlocker", "filevault", "none". */
    scheme: Type.Union([Type.Literal('luks'), Type.Literal('bitlocker'), Type.Literal('filevault'), Type.Literal('none')]),
    /** Protection on (BitLocker ProtectionStatus On; LUKS active mapping; FileVault On). */
    protection_on: Type.Union([Type.Boolean(), Type.Null()]),
    /** Cipher, e.g. "aes-xts-plain64" (512-bit key), "XtsAes256". */
    cipher: NullableText(64),
    key_bits: Type.Union([Type.Integer({ minimum: 0, maximum: 4096 }), Type.Null()]),
    /** A recovery key is escrowed (AD/Entra, MDM, or a declared escrow); null when not observable. */
    recovery_escrowed: Type.Union([Type.Boolean(), Type.Null()]),
    /** BitLocker suspended since (protection off with a pending resume); null otherwise. */
    suspended_since: NullableTimestamp,
  },
  strict,
);
export type EncryptedVolume = Static<typeof EncryptedVolume>;

/** A VPN client profile on a mobile host (NET-09). */
export const VpnProfile = Type.Object(
  {
    name: Text(128),
    /** "always-on-vpn", "wireguard", "openvpn", "ipsec", "networkmanager", "vendor". */
    kind: Text(64),
    /** Comes up by itself at boot/logon (device tunnel, systemd unit enabled, NM autoconnect). */
    always_on: Type.Union([Type.Boolean(), Type.Null()]),
    /** The user cannot turn it off (locked by policy, root-owned unit the user cannot stop). */
    user_can_disable: Type.Union([Type.Boolean(), Type.Null()]),
    factors: List(FactorType, 8),
    /** Concentrator address (host or IP), for the "only to the concentrator" flow check. */
    endpoint: NullableText(253),
  },
  strict,
);
export type VpnProfile = Static<typeof VpnProfile>;

export const SystemEvidence = Type.Object(
  {
    os: Observed(OsProduct),
    time_sync: Observed(TimeSync),
    log_forwarding: Observed(List(LogForwardTarget, 16)),
    updates: Observed(UpdateState),
    disk_encryption: Type.Optional(Observed(List(EncryptedVolume, 32))),
    vpn_profiles: Type.Optional(Observed(List(VpnProfile, 16))),
  },
  strict,
);
export type SystemEvidence = Static<typeof SystemEvidence>;

// ---------------------------------------------------------------- the report

export const Report = Type.Object(
  {
    schema_version: Type.Literal(SCHEMA_VERSION),
    report_id: Type.String({ format: 'uuid', maxLength: 36 }),
    agent_version: Type.String({ minLength: 1, maxLength: 32, pattern: STORABLE_TEXT_PATTERN }),
    collected_at: Timestamp,
    host: HostIdentity,
    /** Reports this agent evicted unsent from its bounded outbox since enrollment (cumulative). */
    dropped_reports: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 })),
    network: Observed(NetworkEvidence),
    wifi: Observed(WifiEvidence),
    backups: Observed(BackupEvidence),
    mfa: Observed(MfaEvidence),
    /** Added by rules-bkp: telemaintenance gateway evidence (TMA rules); absent on other hosts. */
    telemaintenance: Type.Optional(Observed(TelemaintenanceEvidence)),
    /** Added by evidence (issue 19): which evidence revision the agent speaks (absent = 1). */
    evidence_revision: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** Added by evidence (issue 19, revision 2): inventory, patching, time, logs, encryption, VPN. */
    system: Type.Optional(Observed(SystemEvidence)),
  },
  strict,
);
export type Report = Static<typeof Report>;

/** The evidence part of a report: what collectors produce, before identity is attached. */
export type Evidence = Pick<Report, 'network' | 'wifi' | 'backups' | 'mfa'> & Partial<Pick<Report, 'telemaintenance' | 'system'>>;

/** Upper bound of a serialised report, enforced by the server before parsing. */
export const REPORT_MAX_BYTES = 1024 * 1024;
