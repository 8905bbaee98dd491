// A target's side of ETL: it starts and stops its transformers as the ETL metadata says (also
// after its own restart), transforms objects inline (GET `?etl_name=`), serves the object endpoint
// transformers read from and write to (`AIS_TARGET_URL`), and reports per-ETL status, logs,
// metrics, counts and failed objects to the gateways (`/v1/etl/_node/...`, intra-cluster).
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeError, type RequestContext } from '../api/common/index.js';
import { sendValue, type ObjectAddress } from '../api/native/index.js';
import type { MetadataStore } from '../cluster/index.js';
import { StoreError, badRequest, notImplemented } from '../errors/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import {
  apiPath,
  EtlHeader,
  EtlPath,
  EtlStage,
  Header,
  objectUname,
  parseObjectUname,
  Query,
  Resource,
  type BucketJson,
  type EtlEntryJson,
  type EtlNodeStatusJson,
  type EtlObjErrorJson,
} from '../wire/index.js';
import { etlNotFound, etlUnavailable, etlWrongStage, transformFailed } from './etl-errors.js';
import { specOf, type EtlSpec } from './etl-spec.js';
import { exchangeError, pushToTransformer } from './hpush-transform.js';
import { runIoTransform } from './io-transform.js';
import { TransformerProcess } from './process/transformer-process.js';

export interface EtlTargetEnvironment {
  nodeId: string;
  /** The target's own directory: transformers work in `<dir>/etl/<name>`. */
  dir: string;
  /** This target's intra-cluster URL (the base of `AIS_TARGET_URL`). */
  intraUrl: () => string;
  metadata: MetadataStore;
  clock: Clock;
  log: Logger;
  /** An object's bytes, read here or from its owner. */
  openObject(bucket: BucketJson, name: string): Promise<{ size: number; body: Readable }>;
  /** Stores a stream as the object (direct put from a transformer). */
  putObject(bucket: BucketJson, name: string, body: Readable): Promise<void>;
  /** Asks the primary to abort an ETL (its transformer here keeps crashing). */
  abortEtl(name: string, reason: string): Promise<void>;
}

interface LocalEtl {
  readonly name: string;
  readonly xid: string;
  readonly secret: string;
  readonly spec: EtlSpec;
  readonly workdir: string;
  /** The transformer server (hpush, hpull); io runs one process per object. */
  readonly process: TransformerProcess | undefined;
  readonly ready: Promise<void>;
  stopped: boolean;
  objCount: number;
  inBytes: number;
  outBytes: number;
  errors: EtlObjErrorJson[];
}

export class TargetEtl {
  readonly #etls = new Map<string, LocalEtl>();
  #closed = false;

  constructor(private readonly env: EtlTargetEnvironment) {
    env.metadata.onChange((change) => {
      if (change.etl !== undefined) this.reconcile();
    });
  }

  /** Starts what the metadata says runs, stops what is aborted, forgets what was deleted. */
  reconcile(): void {
    if (this.#closed) return;
    const metadata = this.env.metadata.etl;
    for (const [name, entry] of metadata?.list() ?? []) {
      const local = this.#etls.get(name);
      const wanted = entry.stage !== EtlStage.aborted;
      if (wanted && (local === undefined || local.xid !== entry.xaction_id)) {
        if (local !== undefined) void this.#stopLocal(local);
        this.#start(name, entry);
      } else if (!wanted && local !== undefined && !local.stopped) {
        void this.#stopLocal(local);
      }
    }
    for (const local of [...this.#etls.values()]) {
      if (metadata?.get(local.name) !== undefined) continue;
      this.#etls.delete(local.name);
      void this.#stopLocal(local).then(() =>
        rm(local.workdir, { recursive: true, force: true }).catch((error: unknown) =>
          this.env.log.warn('could not remove an ETL work directory', { etl: local.name, error }),
        ),
      );
    }
  }

  #start(name: string, entry: EtlEntryJson): void {
    const config = this.env.metadata.config.values.etl;
    let spec: EtlSpec;
    try {
      spec = specOf(entry.init_msg, config.runtimes);
    } catch (error) {
      this.env.log.error('ETL cannot run here', { etl: name, error });
      return;
    }
    const workdir = join(this.env.dir, 'etl', name);
    const targetUrl = `${this.env.intraUrl()}${apiPath(Resource.etl, EtlPath.object, name, entry.secret)}`;
    const env = {
      ...spec.env,
      AIS_TARGET_URL: targetUrl,
      direct_put: String(spec.supportDirectPut),
    };
    const process =
      spec.communication === 'io'
        ? undefined
        : new TransformerProcess({
            name,
            argv: spec.argv,
            env,
            cwd: workdir,
            initTimeoutMs: spec.initTimeoutMs,
            limits: {
              memoryBytes: config.limit_memory_bytes,
              cpuSeconds: config.limit_cpu_seconds,
              openFiles: config.limit_open_files,
            },
            restart: {
              backoffMs: config.restart_backoff_ms,
              backoffMaxMs: config.restart_backoff_max_ms,
              maxRestarts: config.max_restarts,
            },
            logBytes: config.log_bytes,
            clock: this.env.clock,
            log: this.env.log,
            onGiveUp: (reason) => {
              this.env
                .abortEtl(name, reason)
                .catch((error: unknown) =>
                  this.env.log.error('could not abort a crashing ETL', { etl: name, error }),
                );
            },
          });
    const ready = mkdir(workdir, { recursive: true }).then(() => process?.start());
    ready.catch(() => undefined);
    this.#etls.set(name, {
      name,
      xid: entry.xaction_id,
      secret: entry.secret,
      spec: { ...spec, env },
      workdir,
      process,
      ready,
      stopped: false,
      objCount: 0,
      inBytes: 0,
      outBytes: 0,
      errors: [],
    });
  }

  async #stopLocal(local: LocalEtl): Promise<void> {
    local.stopped = true;
    await local.process?.stop();
  }

  /** Stops every transformer (the node is shutting down). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#etls.values()].map((local) => this.#stopLocal(local)));
  }

  /** `/v1/etl/_node/<name>/<what>` and `/v1/etl/_object/...` (intra-cluster only). */
  async handle(context: RequestContext, segments: readonly string[]): Promise<void> {
    const [kind, name = '', ...rest] = segments;
    if (kind !== EtlPath.node && kind !== EtlPath.object)
      throw badRequest(`/v1/etl: the ETL control API is served by gateways, not targets`);
    if (!context.intra)
      throw new StoreError(
        'MethodNotAllowed',
        `/v1/etl/${kind} is served only on the intra-cluster port`,
      );
    const local = this.#etls.get(name);
    if (local === undefined) throw etlNotFound(name);
    if (kind === EtlPath.object) return this.#serveObject(context, local, rest);
    sendValue(context.res, await this.#nodeAnswer(local, rest[0] ?? 'status'));
  }

  async #nodeAnswer(local: LocalEtl, what: string): Promise<unknown> {
    const targetId = this.env.nodeId;
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
        return { target_id: targetId, health_status: this.#health(local) };
      case EtlPath.metrics: {
        const usage = await (local.process?.usage() ?? { cpuSeconds: 0, rssBytes: 0 });
        return { target_id: targetId, cpu: usage.cpuSeconds, mem: usage.rssBytes };
      }
      case 'status': {
        const status: EtlNodeStatusJson = {
          name: local.name,
          health: this.#health(local),
          obj_count: local.objCount,
          in_bytes: local.inBytes,
          out_bytes: local.outBytes,
          obj_errors: local.errors,
        };
        return status;
      }
    }
    throw badRequest(`/v1/etl/${EtlPath.node}: unknown "${what}"`);
  }

  #health(local: LocalEtl): string {
    if (local.stopped) return 'Stopped';
    return local.process?.health ?? 'Running';
  }

  /** The object endpoint of `AIS_TARGET_URL`: the secret in the path is the only authorization. */
  async #serveObject(
    context: RequestContext,
    local: LocalEtl,
    rest: readonly string[],
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
        const opened = await this.env.openObject(bucket, objectName);
        context.res.writeHead(200, { [Header.contentLength]: opened.size });
        if (context.method === 'HEAD') {
          opened.body.destroy();
          context.res.end();
          return;
        }
        await pipeline(opened.body, context.res);
        return;
      }
      case 'PUT':
        await this.env.putObject(bucket, objectName, context.req);
        context.res.end();
        return;
    }
    throw new StoreError(
      'MethodNotAllowed',
      `etl object endpoint: ${context.method} is not allowed`,
    );
  }

  /** GET `?etl_name=[&etl_args=][&etl_pipeline=]`: the object through the ETL (and its pipeline). */
  async transform(context: RequestContext, address: ObjectAddress): Promise<void> {
    const name = context.query.get(Query.etlName) ?? '';
    const local = this.#running(name);
    if (context.req.headers.range !== undefined)
      throw notImplemented('a Range read of an ETL-transformed object');
    try {
      await this.#transform(context, address, local);
    } catch (error) {
      const { status, message } = describeError(error);
      local.errors.push({ obj_name: address.name, msg: message, ecode: status });
      const limit = this.env.metadata.config.values.etl.max_obj_errors;
      if (local.errors.length > limit) local.errors.splice(0, local.errors.length - limit);
      throw error;
    }
  }

  #running(name: string): LocalEtl {
    const local = this.#etls.get(name);
    if (local === undefined) throw etlNotFound(name);
    if (local.stopped) throw etlWrongStage(name, EtlStage.aborted, EtlStage.running);
    return local;
  }

  async #transform(
    context: RequestContext,
    address: ObjectAddress,
    local: LocalEtl,
  ): Promise<void> {
    const args = context.query.get(Query.etlArgs) ?? undefined;
    const stages = (context.query.get(Query.etlPipeline) ?? '')
      .split(',')
      .filter((stage) => stage !== '');
    const { res } = context;
    const { spec } = local;
    if (spec.communication === 'hpull') {
      if (stages.length > 0)
        throw badRequest(`etl job "${local.name}": hpull does not take a pipeline`);
      const query =
        args === undefined ? '' : `?${new URLSearchParams({ [Query.etlArgs]: args }).toString()}`;
      const uname = encodeURIComponent(objectUname(address.bucket, address.name));
      local.objCount += 1;
      res.writeHead(307, {
        [Header.location307]: `${this.#url(local)}/${uname}${query}`,
        [Header.contentLength]: 0,
      });
      res.end();
      return;
    }
    const open = (): Promise<{ size: number; body: Readable }> =>
      this.env.openObject(address.bucket, address.name);
    if (spec.communication === 'io') {
      if (stages.length > 0)
        throw badRequest(`etl job "${local.name}": io:// does not take a pipeline`);
      const opened = await open();
      const env = args === undefined ? spec.env : { ...spec.env, ETL_ARGS: args };
      const run = await runIoTransform(
        local.name,
        spec.argv,
        env,
        local.workdir,
        opened.body,
        spec.objTimeoutMs,
      );
      local.inBytes += opened.size;
      res.writeHead(200, { [Header.contentType]: 'application/octet-stream' });
      return this.#sendOut(local, run.output, res);
    }
    const nextStages = stages.map((stage) => {
      const next = this.#running(stage);
      if (next.spec.communication !== 'hpush')
        throw badRequest(`etl pipeline: etl job "${stage}" is not hpush://`);
      return this.#url(next);
    });
    const answer = await pushToTransformer({
      etlName: local.name,
      url: this.#url(local),
      path: `/${encodeURIComponent(address.bucket.name)}/${address.name.split('/').map(encodeURIComponent).join('/')}`,
      args,
      nextStages,
      objTimeoutMs: spec.objTimeoutMs,
      open,
    });
    local.inBytes += answer.inBytes;
    if (answer.body === undefined) {
      local.objCount += 1;
      res.writeHead(
        204,
        answer.directPutLength === undefined
          ? {}
          : { [EtlHeader.directPutLength]: answer.directPutLength },
      );
      res.end();
      return;
    }
    res.writeHead(
      200,
      answer.length === undefined ? {} : { [Header.contentLength]: answer.length },
    );
    await this.#sendOut(local, answer.body, res).catch((error: unknown) => {
      throw exchangeError(local.name, spec.objTimeoutMs, error);
    });
  }

  #url(local: LocalEtl): string {
    const process = local.process;
    if (process === undefined) throw etlUnavailable(local.name, 'no transformer server (io://)');
    return process.url();
  }

  /** Streams the transformed bytes to the client, counting them; a failure breaks off the answer. */
  async #sendOut(local: LocalEtl, body: Readable, res: RequestContext['res']): Promise<void> {
    body.on('data', (chunk: Buffer) => {
      local.outBytes += chunk.length;
    });
    await pipeline(body, res);
    local.objCount += 1;
  }
}
