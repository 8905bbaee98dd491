// Node configuration: what one process needs to start (role, ports, directories); local, never synced.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { StoreError } from '../errors/index.js';
import { resolveNetworks, type NodeNetworks } from './node-networks.js';
import { defaultS3AccessKey, defaultS3SecretKey } from './default-credentials.js';

/** Where promoted files must be unless the node config names another directory. */
export const defaultPromoteRoot = '/var/lib/cairn/promote';

const portSchema = z.number().int().min(0).max(65535);

/** Node config schema; every field documented with its default. */
export const nodeConfigSchema = z
  .object({
    /** `proxy` (gateway) or `target` (storage node). */
    role: z.enum(['proxy', 'target']),
    /** The node's own directory: persistent ID, cluster metadata copies. Required. */
    dir: z.string().min(1),
    /** Public address (AIStore's `host_net.hostname`): listened on and advertised. Default 127.0.0.1. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Public port. Default 8080 for a proxy, 9080 for a target; 0 = ephemeral. */
    port: portSchema.optional(),
    /** Intra-control port (AIStore's `port_intra_control`). Default 0 = ephemeral. */
    intraPort: portSchema.default(0),
    /** Intra-control address (`hostname_intra_control`). Default: `host`. */
    intraControlHost: z.string().min(1).optional(),
    /** Intra-data address (`hostname_intra_data`). Default: the intra-control address. */
    intraDataHost: z.string().min(1).optional(),
    /**
     * Intra-data port (`port_intra_data`). Default: none, and intra-data shares the intra-control
     * server unless `intraDataHost` differs from it (then 0 = ephemeral).
     */
    intraDataPort: portSchema.optional(),
    /** Address every server binds to (e.g. 0.0.0.0) while the per-network ones are advertised. */
    listenHost: z.string().min(1).optional(),
    /** A target's mountpaths (at least one for a target). */
    mountpaths: z.array(z.string().min(1)).default([]),
    /** Public URL of the primary gateway to join; absent on the first gateway. */
    primaryUrl: z.url().optional(),
    /** S3 access key ID (`src/bin` sets it from CAIRN_ACCESS_KEY). Default `cairnadmin`. */
    s3AccessKey: z.string().min(3).max(128).default(defaultS3AccessKey),
    /** S3 secret access key (`src/bin` sets it from CAIRN_SECRET_KEY). Default `cairnadmin`. */
    s3SecretKey: z.string().min(8).max(128).default(defaultS3SecretKey),
    /** Log files (`<dir>/log/cairn.INFO`, `cairn.ERROR`) rotate at this size. Default 8 MiB. */
    logMaxFileBytes: z
      .number()
      .int()
      .min(4096)
      .max(1024 * 1024 * 1024)
      .default(8 * 1024 * 1024),
    /** Rotated log files kept per severity (`.1` is the newest). Default 4. */
    logMaxOldFiles: z.number().int().min(0).max(100).default(4),
    /**
     * The only directory `promote` reads files from (it and below; AIStore's is
     * `/var/lib/ais/promote`). Default `/var/lib/cairn/promote`.
     */
    promoteRoot: z.string().min(1).default(defaultPromoteRoot),
    /**
     * Count requests in `/metrics` (the `ais_*` request counters and the latency histogram); false
     * leaves them out, the rest of `/metrics` stays (`src/bin` sets it from CAIRN_REQUEST_METRICS).
     * Default true.
     */
    requestMetrics: z.boolean().default(true),
    /**
     * An upload whose client sends (or an answer the client reads) under 1 KiB in this long is
     * dropped (RequestTimeout) and its connection reset; an upload stores nothing (S3 drops a
     * silent upload after ~20 s). Public ports only; 0 = never. Default 60000 (60 s).
     */
    clientIdleTimeoutMs: z.number().int().min(0).max(3_600_000).default(60_000),
    /**
     * Serve HTTPS on every port (public, intra-control, intra-data) and reach peers over HTTPS
     * (AIStore's `net.http.use_https`). Needs `tlsCert` and `tlsKey`. Default false.
     */
    https: z.boolean().default(false),
    /** PEM certificate (chain) the node serves (`net.http.server_crt`). */
    tlsCert: z.string().min(1).optional(),
    /** PEM private key of `tlsCert` (`net.http.server_key`). */
    tlsKey: z.string().min(1).optional(),
    /**
     * PEM CA bundle that signed the nodes' certificates (`net.http.client_ca_tls`): trusted when
     * this node calls its peers, and for client certificates with `tlsClientAuth`. Default: the
     * system's CAs.
     */
    tlsCa: z.string().min(1).optional(),
    /**
     * Intra-cluster ports require a client certificate signed by `tlsCa`, and every node presents
     * its own certificate to its peers (AIStore's `client_auth_tls` 4 on intra ports). The public
     * port never asks clients for one. Default false.
     */
    tlsClientAuth: z.boolean().default(false),
    /** Do not verify peers' certificates (`net.http.skip_verify`; self-signed tests). Default false. */
    tlsSkipVerify: z.boolean().default(false),
    /**
     * A target's SSE-S3 master key file (32 bytes: 64 hex digits, base64 or raw), the same on every
     * target. Default `/etc/cairn/sse-master.key`; when that file is absent SSE-S3 answers 501.
     */
    sseMasterKeyFile: z.string().min(1).optional(),
  })
  .strict();

/** A node's TLS settings (present when `https` is on). */
export interface NodeTlsConfig {
  readonly files: { readonly cert: string; readonly key: string; readonly ca?: string };
  readonly clientAuth: boolean;
  readonly skipVerify: boolean;
}

export interface NodeConfig {
  readonly role: 'proxy' | 'target';
  readonly dir: string;
  /** The public address (advertised to clients). */
  readonly host: string;
  readonly port: number;
  /** The intra-control port. */
  readonly intraPort: number;
  /** The three logical networks: what each server binds to and advertises. */
  readonly networks: NodeNetworks;
  readonly mountpaths: readonly string[];
  readonly primaryUrl: string | undefined;
  /** The S3 key pair this node accepts (gateways check signatures; targets trust gateways). */
  readonly s3Credentials: { readonly accessKey: string; readonly secretKey: string };
  /** Where the node's log files go (`<dir>/log`) and how large they grow. */
  readonly log: {
    readonly dir: string;
    readonly maxFileBytes: number;
    readonly maxOldFiles: number;
  };
  /** Absolute: `promote` reads files only from here and below. */
  readonly promoteRoot: string;
  /** Whether `/metrics` counts requests. */
  readonly requestMetrics: boolean;
  /** A public exchange whose client is silent this long is dropped; 0: never. */
  readonly clientIdleTimeoutMs: number;
  /** HTTPS on every port, or undefined for plain HTTP. */
  readonly tls: NodeTlsConfig | undefined;
  /** The SSE-S3 master key file named in the config (absolute); undefined: the default one. */
  readonly sseMasterKeyFile: string | undefined;
}

/** Validates raw settings (config file merged with flags) into a frozen NodeConfig. */
export function parseNodeConfig(raw: unknown): NodeConfig {
  const parsed = nodeConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new StoreError('BadRequest', `invalid node config: ${issues.join('; ')}`);
  }
  const value = parsed.data;
  if (value.role === 'target' && value.mountpaths.length === 0) {
    throw new StoreError(
      'BadRequest',
      'invalid node config: a target needs at least one --mountpath',
    );
  }
  return Object.freeze({
    tls: tlsConfig(value),
    role: value.role,
    dir: absolute(value.dir),
    host: value.host,
    port: value.port ?? (value.role === 'proxy' ? 8080 : 9080),
    intraPort: value.intraPort,
    networks: resolveNetworks({
      ...value,
      port: value.port ?? (value.role === 'proxy' ? 8080 : 9080),
    }),
    mountpaths: Object.freeze(value.mountpaths.map(absolute)),
    primaryUrl: value.primaryUrl?.replace(/\/+$/, ''),
    s3Credentials: Object.freeze({ accessKey: value.s3AccessKey, secretKey: value.s3SecretKey }),
    log: Object.freeze({
      dir: join(absolute(value.dir), 'log'),
      maxFileBytes: value.logMaxFileBytes,
      maxOldFiles: value.logMaxOldFiles,
    }),
    promoteRoot: absolute(value.promoteRoot),
    requestMetrics: value.requestMetrics,
    clientIdleTimeoutMs: value.clientIdleTimeoutMs,
    sseMasterKeyFile:
      value.sseMasterKeyFile === undefined ? undefined : absolute(value.sseMasterKeyFile),
  });
}

/** The TLS settings of a node's config (the AuthN service takes the same). */
export interface TlsSettings {
  https?: boolean | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  tlsCa?: string | undefined;
  tlsClientAuth?: boolean | undefined;
  tlsSkipVerify?: boolean | undefined;
}

/**
 * TLS settings checked (undefined: plain HTTP): what would do nothing or cannot work is refused
 * with the key to fix, and paths are made absolute. `what` names the config in the error.
 */
export function tlsConfig(value: TlsSettings, what = 'node config'): NodeTlsConfig | undefined {
  const refuse = (why: string): never => {
    throw new StoreError('BadRequest', `invalid ${what}: ${why}`);
  };
  if (value.https !== true) {
    const stray = (['tlsCert', 'tlsKey', 'tlsCa', 'tlsClientAuth', 'tlsSkipVerify'] as const).find(
      (key) => value[key] !== undefined && value[key] !== false,
    );
    // Settings that would do nothing are refused rather than silently ignored.
    return stray === undefined ? undefined : refuse(`${stray} is set but https is off`);
  }
  if (value.tlsCert === undefined || value.tlsKey === undefined)
    return refuse('https needs tlsCert and tlsKey (--tls-cert, --tls-key)');
  if (value.tlsClientAuth === true && value.tlsCa === undefined)
    return refuse('tlsClientAuth needs tlsCa (--tls-ca), the CA that signed the nodes');
  return Object.freeze({
    files: Object.freeze({
      cert: absolute(value.tlsCert),
      key: absolute(value.tlsKey),
      ...(value.tlsCa === undefined ? {} : { ca: absolute(value.tlsCa) }),
    }),
    clientAuth: value.tlsClientAuth === true,
    skipVerify: value.tlsSkipVerify === true,
  });
}

/** Reads a JSON config file (same keys as the flags, camelCase). */
export async function readNodeConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StoreError('BadRequest', `cannot read config file ${path}`, { cause: error });
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new StoreError('BadRequest', `config file ${path} is not a JSON object`, {
      cause: error,
    });
  }
}

function absolute(path: string): string {
  return isAbsolute(path) ? resolve(path) : resolve(process.cwd(), path);
}
