// Client options and the limits the SDK applies to every request (timeouts, redirects, buffers).

/** Options of a {@link Client}. */
export interface ClientOptions {
  /**
   * Per-request timeout in milliseconds (default 60 s): covers connecting, sending a small body and
   * waiting for the response head; for buffered (JSON) answers also reading them. Streaming object
   * bodies is excluded, but a stalled stream (no bytes for this long) still fails.
   */
  timeoutMs?: number;
  /**
   * Default true: object requests go straight to the owning target, chosen with HRW placement over
   * a cached cluster map. False: they go to the endpoint (a gateway), which answers 307 and the
   * client follows the `Location`, re-sending the body.
   */
  direct?: boolean;
  /**
   * Direct mode: the least time between two cluster-map fetches triggered by redirects or dead
   * targets (default 2 s), so that a burst of them costs one fetch.
   */
  mapRefreshIntervalMs?: number;
  /** An AuthN token (`cairn auth login`), sent as `Authorization: Bearer` on every request. */
  token?: string;
  /**
   * HTTPS clusters: PEM CA bundle to trust instead of the system's CAs (the CA that signed the
   * nodes' certificates; CLI `--ca-cert`).
   */
  caCert?: string | Buffer;
  /** HTTPS clusters: accept any certificate (self-signed, tests; CLI `--insecure`). Default false. */
  insecure?: boolean;
}

/** Options with defaults applied. */
export interface ResolvedClientOptions {
  readonly timeoutMs: number;
  readonly direct: boolean;
  readonly mapRefreshIntervalMs: number;
  readonly token: string | undefined;
  readonly caCert: string | Buffer | undefined;
  readonly insecure: boolean;
}

export const defaultTimeoutMs = 60_000;

export const defaultMapRefreshIntervalMs = 2_000;

/** Redirect hops followed per request before giving up (a loop between nodes is a server bug). */
export const maxRedirects = 5;

/** Upper bound on a response read into memory (JSON answers, error bodies, `getObjectBytes`). */
export const maxBufferedResponseBytes = 256 * 1024 * 1024;

/** Error bodies are read up to this size; the rest is dropped. */
export const maxErrorBodyBytes = 64 * 1024;

/** Keep-alive connections per node. */
export const connectionsPerNode = 64;

export function resolveClientOptions(options: ClientOptions | undefined): ResolvedClientOptions {
  const timeoutMs = options?.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
  }
  const mapRefreshIntervalMs = options?.mapRefreshIntervalMs ?? defaultMapRefreshIntervalMs;
  if (!Number.isFinite(mapRefreshIntervalMs) || mapRefreshIntervalMs < 0) {
    throw new RangeError(`mapRefreshIntervalMs must be >= 0, got ${mapRefreshIntervalMs}`);
  }
  return Object.freeze({
    timeoutMs,
    direct: options?.direct ?? true,
    mapRefreshIntervalMs,
    token: options?.token,
    caCert: options?.caCert,
    insecure: options?.insecure ?? false,
  });
}
