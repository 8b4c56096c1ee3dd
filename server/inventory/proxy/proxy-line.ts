// What Vigie keeps of one proxy log line: when, which client address, which host and port it
// reached, and whether the proxy let it through. Never the user name, the path or the query.
export interface ProxyLine {
  /** ms since the epoch. */
  at: number;
  client: string;
  /** Host name (or IP literal) as logged: the CONNECT target, the URL's host, or the SNI. */
  host: string;
  port: number;
  /** The proxy refused it (TCP_DENIED, Stormshield action=block): it reached nothing. */
  denied: boolean;
  /** The name came from the TLS SNI (the CONNECT target was an address). */
  sni: boolean;
}

export type ProxyFormat = 'squid' | 'stormshield';
export const PROXY_FORMATS: readonly ProxyFormat[] = ['squid', 'stormshield'];

/** A line parser: null for a line that is not a request (comments, blank, other log types). Throws nothing. */
export type ProxyLineParser = (line: string) => ProxyLine | null | 'invalid';
