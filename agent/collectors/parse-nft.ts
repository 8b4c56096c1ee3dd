// Pure reading of `nft -j list ruleset` and `iptables-save` output: per address family, is there
// an input hook, does it drop by default, and are dropped packets logged (NET-07).
import type { FirewallProfile } from '../../policies/evidence.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface InputChain {
  family: string;
  table: string;
  name: string;
  policy: string;
  rules: unknown[][];
}

/** The input-hook base chains and their rules; throws on output that is not nft's JSON. */
export function inputChains(text: string): InputChain[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('nft output is not JSON (truncated or not `nft -j`)');
  }
  if (!isObject(data) || !Array.isArray(data.nftables)) throw new Error('nft JSON has no "nftables" array');
  const chains = new Map<string, InputChain>();
  const rules: { key: string; expr: unknown[] }[] = [];
  for (const item of data.nftables.slice(0, 100_000)) {
    if (!isObject(item)) continue;
    const chain = item.chain;
    if (isObject(chain) && chain.hook === 'input' && chain.type === 'filter') {
      const key = `${String(chain.family)}|${String(chain.table)}|${String(chain.name)}`;
      chains.set(key, { family: String(chain.family), table: String(chain.table), name: String(chain.name), policy: String(chain.policy ?? 'accept'), rules: [] });
    }
    const rule = item.rule;
    if (isObject(rule) && Array.isArray(rule.expr)) {
      rules.push({ key: `${String(rule.family)}|${String(rule.table)}|${String(rule.chain)}`, expr: rule.expr });
    }
  }
  for (const r of rules) chains.get(r.key)?.rules.push(r.expr);
  return [...chains.values()];
}

const VERDICT_KEYS = new Set(['drop', 'reject']);
/** A rule that drops everything reaching it: only counters/logs and a drop/reject verdict. */
function isCatchAllDrop(expr: unknown[]): boolean {
  let drops = false;
  for (const e of expr) {
    if (!isObject(e)) return false;
    const keys = Object.keys(e);
    if (keys.some((k) => VERDICT_KEYS.has(k))) drops = true;
    else if (!keys.every((k) => k === 'counter' || k === 'log' || k === 'limit')) return false;
  }
  return drops;
}

function hasLog(expr: unknown[]): boolean {
  return expr.some((e) => isObject(e) && 'log' in e);
}

function chainDropsByDefault(chain: InputChain): boolean {
  if (chain.policy === 'drop') return true;
  const last = chain.rules[chain.rules.length - 1];
  return last !== undefined && isCatchAllDrop(last);
}

const COVERS: Record<'IPv4' | 'IPv6', readonly string[]> = { IPv4: ['ip', 'inet'], IPv6: ['ip6', 'inet'] };

/**
 * One profile per address family: every input base chain sees each packet, so one chain that
 * drops by default is enough to block. No input chain for a family = firewall off for it.
 */
export function nftProfiles(text: string): FirewallProfile[] {
  const chains = inputChains(text);
  return (['IPv4', 'IPv6'] as const).map((fam) => {
    const relevant = chains.filter((c) => COVERS[fam].includes(c.family));
    if (relevant.length === 0) return { name: `nftables input (${fam})`, active: true, enabled: false, default_inbound: 'allow', logs_blocked: false };
    const names = relevant.map((c) => `${c.family} ${c.table} ${c.name}`).join(', ');
    return {
      name: `nftables input (${fam}): ${names}`.slice(0, 64),
      active: true,
      enabled: true,
      default_inbound: relevant.some(chainDropsByDefault) ? 'block' : 'allow',
      logs_blocked: relevant.some((c) => c.rules.some(hasLog)),
    };
  });
}

/** `iptables-save` / `ip6tables-save` output: the INPUT chain of the filter table. */
export function iptablesProfile(text: string, fam: 'IPv4' | 'IPv6'): FirewallProfile {
  let inFilter = false;
  let policy: string | null = null;
  const inputRules: string[] = [];
  for (const raw of text.split('\n').slice(0, 200_000)) {
    const line = raw.trim();
    if (line.startsWith('*')) inFilter = line === '*filter';
    if (!inFilter) continue;
    const head = /^:INPUT\s+(\S+)/.exec(line);
    if (head?.[1]) policy = head[1];
    if (line.startsWith('-A INPUT ')) inputRules.push(line);
  }
  const name = `iptables filter INPUT (${fam})`;
  if (policy === null) return { name, active: true, enabled: false, default_inbound: 'allow', logs_blocked: false };
  const last = inputRules[inputRules.length - 1] ?? '';
  const catchAll = /^-A INPUT(\s+-m\s+comment\s+--comment\s+("[^"]*"|\S+))?\s+-j\s+(DROP|REJECT)\b/.test(last);
  const block = policy === 'DROP' || catchAll;
  return {
    name,
    active: true,
    enabled: policy !== 'ACCEPT' || inputRules.length > 0,
    default_inbound: block ? 'block' : 'allow',
    logs_blocked: inputRules.some((r) => /-j\s+(LOG|NFLOG|ULOG)\b/.test(r)),
  };
}

export interface NftIngressRule {
  source: string;
  port: number | null;
  protocol: 'tcp' | 'udp' | 'any';
}

/** Accept rules of the input chains, with their source and destination port (TMA-01). */
export function nftIngressAccepts(text: string): NftIngressRule[] {
  const out: NftIngressRule[] = [];
  for (const chain of inputChains(text)) {
    for (const expr of chain.rules) {
      if (!expr.some((e) => isObject(e) && 'accept' in e)) continue;
      let source = 'any';
      let port: number | null = null;
      let protocol: NftIngressRule['protocol'] = 'any';
      let skip = false;
      for (const e of expr) {
        if (!isObject(e) || !isObject(e.match)) continue;
        const left = e.match.left;
        const right = e.match.right;
        if (isObject(left) && isObject(left.meta) && (left.meta.key === 'iifname' || left.meta.key === 'iif') && right === 'lo') skip = true;
        if (isObject(left) && isObject(left.ct) && left.ct.key === 'state') skip = true;
        if (isObject(left) && isObject(left.payload)) {
          const field = left.payload.field;
          const proto = left.payload.protocol;
          if (field === 'saddr') source = isObject(right) && isObject(right.prefix) ? `${String(right.prefix.addr)}/${String(right.prefix.len)}` : String(right);
          if (field === 'dport' && (proto === 'tcp' || proto === 'udp')) {
            protocol = proto;
            port = typeof right === 'number' ? right : null;
          }
        }
      }
      if (!skip) out.push({ source: source.slice(0, 64), port, protocol });
    }
  }
  return out;
}
