/** Reported in every report so the server can tell agent generations apart. */
export const AGENT_VERSION = '0.1.0';
