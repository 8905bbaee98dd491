// What every node has: its ID, public and intra-cluster servers, metadata store, intra client,
// self description, and readiness. Roles add their ports on top.
import {
  httpUrl,
  type NetworkEndpoint,
  type NodeConfig,
  type NodeTlsConfig,
} from '../../config/index.js';
import {
  ClusterMember,
  makeClusterNode,
  MetadataStore,
  type ClusterNode,
} from '../../cluster/index.js';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createNativeHandler, type NativeApiPorts } from '../../api/native/index.js';
import { createS3Handler, type S3ApiOptions } from '../../api/s3/index.js';
import {
  RequestStats,
  startHttpServer,
  type RequestHandler,
  type RunningServer,
  type UpgradeHandler,
} from '../../api/common/index.js';
import { Backends, attachedClusters, canonicalNamespace } from '../../backends/index.js';
import { IntraClient } from '../../transport/index.js';
import { rejection } from '../../errors/index.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { createLogger, type Logger } from '../../util/log.js';
import { defaultLogFileLimits, NodeLogFiles } from '../../util/log-files.js';
import { isNativeApiPath, NodeFlag, type NamespaceJson, type NodeJson } from '../../wire/index.js';
import { NodeMetrics } from './metrics/node-metrics.js';
import { registerBackendMetrics } from './metrics/backend-metrics.js';
import { NodeAuth } from './auth/node-auth.js';
import { withTokenRoutes } from './auth/token-routes.js';
import { loadNodeId } from './node-identity.js';
import { UnreachableTargets } from './unreachable-targets.js';
import { NodeCertificates, type CertificateMaterial } from '../../util/tls/node-certificates.js';
import { TlsConnector, type ClientTls } from '../../util/tls/tls-client.js';
import { describeCertificate } from './tls/certificate-json.js';

/** Where every node answers with its Prometheus metrics (a reserved root path, not S3's). */
const metricsPath = '/metrics';

/** How often a node looks at its certificate files for a renewal. */
const certificateCheckMs = 10_000;

/** How long a starting node keeps trying to reach the primary before giving up. */
const joinDeadlineMs = 120_000;

/** Targets in this node's cluster map not in maintenance (they share backend budgets). */
function activeTargets(store: MetadataStore): () => number {
  return () => store.clusterMap?.activeTargets().length ?? 1;
}

/** What the composition root gives a role. */
export interface NodeHooks {
  /** Ends the process gracefully (a decommissioned or shut-down node). */
  requestExit: () => void;
  /**
   * A gateway's extra route on its public port, which the composition root mounts (the roles do
   * not know it): the web console at `/console`. Called once the gateway listens.
   */
  publicRoute?: ((gateway: GatewayFacts) => PublicRoute) | undefined;
}

/** What a public route may know of its gateway. */
export interface GatewayFacts {
  readonly publicUrl: string;
  /** Whether the cluster checks AuthN tokens now (`auth.enabled`, it may change at run time). */
  authEnabled(): boolean;
}

/** A route under root paths of the public port that are neither `/v1/...` nor `/metrics`. */
export interface PublicRoute {
  matches(path: string): boolean;
  readonly handle: RequestHandler;
}

/**
 * What a test may put in place of the real thing when it runs a node in its own process (the
 * composition root passes none): where the node takes the time, and where its log lines go.
 */
export interface NodeSeams {
  clock?: Clock;
  /** Receives each JSON log line (default: stderr). */
  writeLog?: (line: string) => void;
}

/** A started node of either role. */
export interface RunningNode {
  readonly runtime: NodeRuntime;
  close(): Promise<void>;
}

export class NodeRuntime {
  ready = false;
  readonly startedAtMs: number;
  #handler: RequestHandler | undefined;
  #upgrade: UpgradeHandler | undefined;
  #servers: RunningServer[] = [];
  #self: ClusterNode | undefined;
  /** Targets this node found unreachable before the cluster map dropped them. */
  readonly unreachable: UnreachableTargets;
  /** What this node served: requests, bytes, time, failures (`what=node_stats`). */
  readonly stats: RequestStats;
  /** The node's Prometheus registry (`GET /metrics`); roles add their collectors. */
  readonly metrics: NodeMetrics;
  /** Remote buckets' backends, configured from the cluster config as it changes. */
  readonly backends: Backends;

  private constructor(
    readonly config: NodeConfig,
    readonly id: string,
    readonly store: MetadataStore,
    readonly client: IntraClient,
    readonly log: Logger,
    readonly clock: Clock,
    /** The node's log files (`what=log`); every line also goes to stderr (or `seams.writeLog`). */
    readonly logFiles: NodeLogFiles,
    /** Token and permission checks (AuthN), with what the AuthN service handed the cluster. */
    readonly auth: NodeAuth,
    /** The node's certificates when it serves HTTPS (reloadable: `load-x509`, file changes). */
    readonly certificates: NodeCertificates | undefined,
    /** Opens the node's connections to its peers (TLS trust, client certificate); plain: none. */
    readonly peerConnector: TlsConnector | undefined,
  ) {
    this.startedAtMs = clock.nowMs();
    this.metrics = new NodeMetrics(id, config.role, config.requestMetrics);
    this.stats = new RequestStats(this.metrics.requests);
    this.unreachable = new UnreachableTargets(client, () => clock.nowMs());
    this.backends = new Backends(
      () => {
        const { backend } = store.config.values;
        return {
          awsProfiles: backend.aws_profiles,
          remoteClusters: attachedClusters(backend.conf.ais, backend.remote_ais_uuids),
          requestTimeoutMs: backend.request_timeout_ms,
          maxAttempts: backend.max_attempts,
          maxRetryAfterMs: backend.max_retry_after_ms,
        };
      },
      activeTargets(store),
      clock,
    );
    registerBackendMetrics(this.metrics.registry, config.role, this.backends.throttleStats);
  }

  static async create(config: NodeConfig, seams: NodeSeams = {}): Promise<NodeRuntime> {
    const id = await loadNodeId(config.dir, config.role);
    const logFiles = await NodeLogFiles.open(config.log.dir, {
      ...defaultLogFileLimits,
      maxFileBytes: config.log.maxFileBytes,
      maxOldFiles: config.log.maxOldFiles,
    });
    const writeLog = seams.writeLog ?? ((line: string) => process.stderr.write(line));
    const log = createLogger({ node: id, role: config.role }, 'info', (line, level) => {
      writeLog(line);
      logFiles.write(line, level);
    });
    const store = await MetadataStore.load(config.dir);
    const clock = seams.clock ?? systemClock;
    const certificates =
      config.tls === undefined
        ? undefined
        : await NodeCertificates.load(config.tls.files, () => clock.nowMs());
    const peerConnector =
      config.tls === undefined || certificates === undefined
        ? undefined
        : peerTls(config.tls, certificates);
    const client = new IntraClient({
      callerId: id,
      callerName: id,
      connectionsPerPeer: 32,
      connect: peerConnector?.connect,
    });
    const auth = await NodeAuth.load(
      config.dir,
      () => store.config.values.auth,
      () => store.clusterMap?.uuid ?? '',
    );
    const runtime = new NodeRuntime(
      config,
      id,
      store,
      client,
      log,
      clock,
      logFiles,
      auth,
      certificates,
      peerConnector,
    );
    certificates?.watch(certificateCheckMs, (error) =>
      log.error('TLS certificate not reloaded; the previous one stays in use', { error }),
    );
    certificates?.onChange((material) =>
      log.info('TLS certificate loaded', {
        ...describeCertificate(material, certificates.files.cert),
      }),
    );
    return runtime;
  }

  /** Starts both servers; requests get 503 until `serve` installs the role's ports. */
  async listen(): Promise<void> {
    // Not an async function: the role's handler's promise is handed on as it is (an async wrapper
    // made a second promise per request, resolved with the first a microtask later). A handler
    // that throws before its first await still answers as a rejected promise.
    const handle: RequestHandler = (context) => {
      const handler = this.#handler;
      if (handler === undefined) {
        context.res.statusCode = 503;
        context.res.end();
        return Promise.resolve();
      }
      try {
        return handler(context);
      } catch (error) {
        return rejection(error);
      }
    };
    const common = {
      nodeId: this.id,
      log: this.log,
      handle,
      stats: this.stats,
      // Asked by every native request naming a bucket: a namespace without a UUID (the global
      // one) is its own spelling, answered without making the attached clusters' list from the
      // config (an `Object.entries` and a settings object per request).
      canonicalNamespace: (namespace: NamespaceJson) =>
        namespace.uuid === ''
          ? namespace
          : canonicalNamespace(namespace, this.backends.remoteClusters()),
    };
    // Each network's server binds its own address (or the common listen address) and is
    // advertised under the network's address; intra-data shares the intra-control server unless
    // configured apart.
    const open = async (endpoint: NetworkEndpoint, intra: boolean): Promise<string> => {
      const { certificates } = this;
      const server = await startHttpServer({
        ...common,
        host: endpoint.listenHost,
        port: endpoint.port,
        intra,
        ...(intra
          ? { upgrade: (req, socket, head) => this.#acceptUpgrade(req, socket, head) }
          : { clientIdleTimeoutMs: this.config.clientIdleTimeoutMs }),
        tls:
          certificates === undefined
            ? undefined
            : { certificates, verifyClients: intra && this.config.tls?.clientAuth === true },
      });
      this.#servers.push(server);
      return httpUrl(endpoint.host, server.port, certificates !== undefined);
    };
    const { networks } = this.config;
    const publicUrl = await open(networks.public, false);
    const intraUrl = await open(networks.intraControl, true);
    const dataUrl =
      networks.intraData === undefined ? intraUrl : await open(networks.intraData, true);
    this.#self = makeClusterNode(this.id, this.config.role, publicUrl, intraUrl, 0, dataUrl);
  }

  /**
   * Installs the role's ports: `/v1/...` is the native API, `/metrics` the Prometheus metrics,
   * `extra`'s paths (public port only) the extra route, every other path the S3 API.
   */
  serve(ports: NativeApiPorts, s3: S3ApiOptions, extra?: PublicRoute): void {
    const native = this.auth.guardNative(withTokenRoutes(this, createNativeHandler(ports)));
    const s3Handler = createS3Handler(s3);
    this.#handler = (context) =>
      isNativeApiPath(context.path)
        ? native(context)
        : context.path === metricsPath
          ? this.metrics.serve(context)
          : extra !== undefined && !context.intra && extra.matches(context.path)
            ? extra.handle(context)
            : s3Handler(context);
  }

  /** Installs the role's taker of intra-cluster `Upgrade` requests (a target's piece streams). */
  serveUpgrades(handler: UpgradeHandler): void {
    this.#upgrade = handler;
  }

  #acceptUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#upgrade !== undefined) {
      this.#upgrade(req, socket, head);
      return;
    }
    socket.on('error', () => undefined);
    socket.end(
      'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
    );
  }

  get self(): ClusterNode {
    if (this.#self === undefined) throw new Error('node is not listening yet');
    return this.#self;
  }

  /** This node as the cluster map describes it, with its current flags. */
  selfJson(): NodeJson {
    const flags = this.store.clusterMap?.node(this.id)?.flags ?? 0;
    const net = (url: string): NodeJson['public_net'] => {
      const parsed = new URL(url);
      return { node_ip_addr: parsed.hostname, daemon_port: parsed.port, direct_url: url };
    };
    return {
      daemon_id: this.id,
      daemon_type: this.config.role,
      public_net: net(this.self.publicUrl),
      intra_control_net: net(this.self.intraUrl),
      intra_data_net: net(this.self.dataUrl),
      flags: flags & ~NodeFlag.informationCenter,
      id_digest: this.self.digest,
    };
  }

  /** Registers with the primary (bounded retries) and starts sending keepalives. */
  async joinCluster(): Promise<ClusterMember> {
    const member = new ClusterMember(
      this.store,
      () => this.selfJson(),
      this.self,
      this.client,
      this.config.primaryUrl,
      this.log,
    );
    await member.join(joinDeadlineMs);
    member.startKeepalive();
    return member;
  }

  /** Announces readiness on stdout (the node contract's single line). */
  announceReady(): void {
    this.ready = true;
    const line = {
      event: 'ready',
      id: this.id,
      role: this.config.role,
      publicUrl: this.self.publicUrl,
      intraUrl: this.self.intraUrl,
      dataUrl: this.self.dataUrl,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    this.log.info('ready', line);
  }

  async close(): Promise<void> {
    this.ready = false;
    await Promise.all(this.#servers.map((server) => server.close()));
    this.certificates?.close();
    await this.client.close();
    await this.backends.close();
    await this.logFiles.close();
  }
}

/**
 * How a node trusts its peers (the CA bundle, or anything with skip-verify) and, with client
 * authentication on, presents its own certificate to them; follows certificate reloads.
 */
function peerTls(config: NodeTlsConfig, certificates: NodeCertificates): TlsConnector {
  const material = (current: CertificateMaterial): ClientTls => ({
    ca: current.ca,
    verify: !config.skipVerify,
    ...(config.clientAuth ? { cert: current.cert, key: current.key } : {}),
  });
  const connector = new TlsConnector(material(certificates.current));
  certificates.onChange((current) => connector.update(material(current)));
  return connector;
}
