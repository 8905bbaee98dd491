// What a target answers of one of its ETLs on the intra-cluster port: `/v1/etl/_node/<name>/<what>`
// (readiness, logs, health, metrics, status with counts and failed objects, for the gateways) and
// `/v1/etl/_object/<name>/<secret>/<uname>` (the object endpoint of `AIS_TARGET_URL`, which
// transformers read from and write to).
import { pipeline } from 'node:stream/promises';
import type { RequestContext } from '../api/common/index.js';
import { StoreError, badRequest } from '../errors/index.js';
import { EtlPath, Header, parseObjectUname, Query, type EtlNodeStatusJson } from '../wire/index.js';
import { transformFailed } from './etl-errors.js';
import { etlHealth, type LocalEtl } from './local-etl.js';
import type { EtlTargetEnvironment } from './target-etl-environment.js';

/** `/v1/etl/_node/<name>/<what>`; `jobId`: the status's failed objects are those of this offline job. */
export async function nodeAnswer(
  local: LocalEtl,
  what: string,
  jobId: string,
  targetId: string,
): Promise<unknown> {
  switch (what) {
    case 'ready':
      try {
        await local.ready;
      } catch (error) {
        throw transformFailed(local.name, `target ${targetId}: ${(error as Error).message}`);
      }
      return undefined;
    case EtlPath.logs: {
      const logs = local.process?.logs.contents() ?? Buffer.alloc(0);
      return { target_id: targetId, logs: logs.toString('base64') };
    }
    case EtlPath.health:
      return { target_id: targetId, health_status: etlHealth(local) };
    case EtlPath.metrics: {
      const usage = await (local.process?.usage() ?? { cpuSeconds: 0, rssBytes: 0 });
      return { target_id: targetId, cpu: usage.cpuSeconds, mem: usage.rssBytes };
    }
    case 'status': {
      const status: EtlNodeStatusJson = {
        name: local.name,
        health: etlHealth(local),
        obj_count: local.objCount,
        in_bytes: local.inBytes,
        out_bytes: local.outBytes,
        obj_errors: jobId === '' ? local.errors : (local.jobErrors.get(jobId) ?? []),
      };
      return status;
    }
  }
  throw badRequest(`/v1/etl/${EtlPath.node}: unknown "${what}"`);
}

/** The object endpoint of `AIS_TARGET_URL`: the secret in the path is the only authorization. */
export async function serveEtlObject(
  context: RequestContext,
  local: LocalEtl,
  rest: readonly string[],
  env: Pick<EtlTargetEnvironment, 'openObject' | 'putObject' | 'countDelivered'>,
): Promise<void> {
  const [secret, ...unameParts] = rest;
  if (secret !== local.secret)
    throw new StoreError('AccessDenied', `etl job "${local.name}": invalid secret`);
  const parsed = parseObjectUname(unameParts.join('/'));
  if (typeof parsed === 'string') throw badRequest(`etl object endpoint: ${parsed}`);
  const { bucket, objectName } = parsed;
  switch (context.method) {
    case 'GET':
    case 'HEAD': {
      const opened = await env.openObject(bucket, objectName);
      context.res.writeHead(200, { [Header.contentLength]: opened.size });
      if (context.method === 'HEAD') {
        opened.body.destroy();
        context.res.end();
        return;
      }
      await pipeline(opened.body, context.res);
      return;
    }
    case 'PUT': {
      const stored = await env.putObject(bucket, objectName, context.req);
      // A direct put names the offline job it is part of (AIStore's `uuid`, for its stats).
      const jobId = context.query.get(Query.uuid) ?? '';
      if (jobId !== '') env.countDelivered(jobId, stored.size);
      context.res.end();
      return;
    }
  }
  throw new StoreError('MethodNotAllowed', `etl object endpoint: ${context.method} is not allowed`);
}
