// Where a target's transformers reach it (`AIS_TARGET_URL`) when the node serves HTTPS: a plain
// HTTP server on the loopback address that serves the ETL object endpoint alone. Transformers are
// the target's child processes on the same host, and hold neither the cluster's CA nor a client
// certificate (which `--tls-client-auth` demands on the intra-cluster port); the ETL's secret in
// the path authorizes them, here as on the intra-cluster port. Plain-HTTP nodes keep giving them
// the intra-cluster URL.
import { startHttpServer, type RequestContext } from '../api/common/index.js';
import { httpUrl } from '../config/index.js';
import { badRequest } from '../errors/index.js';
import type { Logger } from '../util/log.js';
import { EtlPath, Resource } from '../wire/index.js';

export interface TransformerEndpoint {
  /** `http://127.0.0.1:<port>`: the base of `AIS_TARGET_URL`. */
  readonly url: string;
  close(): Promise<void>;
}

/** `handle`: the ETL routes (`TargetEtl.handle`), given the segments after `/v1/etl/`. */
export async function startTransformerEndpoint(
  nodeId: string,
  log: Logger,
  handle: (context: RequestContext, segments: readonly string[]) => Promise<void>,
): Promise<TransformerEndpoint> {
  const host = '127.0.0.1';
  const server = await startHttpServer({
    host,
    port: 0,
    nodeId,
    log,
    // The object endpoint answers only requests that came the intra-cluster way.
    intra: true,
    handle: async (context) => {
      const [version, resource, ...rest] = context.segments;
      if (version !== 'v1' || resource !== Resource.etl || rest[0] !== EtlPath.object)
        throw badRequest(`${context.path}: this port serves transformers their objects only`);
      await handle(context, rest);
    },
  });
  return { url: httpUrl(host, server.port), close: () => server.close() };
}
