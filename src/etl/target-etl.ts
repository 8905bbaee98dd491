// A target's side of ETL: it starts and stops its transformers as the ETL metadata says (also
// after its own restart), transforms objects inline (GET `?etl_name=`), serves the object endpoint
// transformers read from and write to (`AIS_TARGET_URL`), and reports per-ETL status, logs,
// metrics, counts and failed objects to the gateways (`/v1/etl/_node/...`, intra-cluster).
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeError, type RequestContext } from '../api/common/index.js';
import { sendValue, type ObjectAddress } from '../api/native/index.js';
import { validateObjectName } from '../storage/layout/index.js';
import { StoreError, badRequest, notImplemented } from '../errors/index.js';
import {
  EtlHeader,
  EtlPath,
  EtlStage,
  Header,
  objectUname,
  parseObjectUname,
  Query,
  type BucketJson,
  type EtlEntryJson,
  type EtlObjErrorJson,
} from '../wire/index.js';
import { directPutDestination, type DirectPut } from './direct-put.js';
import { nodeAnswer, serveEtlObject } from './etl-node-endpoints.js';
import { etlNotFound, etlUnavailable, etlWrongStage, transformFailed } from './etl-errors.js';
import { exchangeError, pushInto, pushToTransformer, type PushRequest } from './hpush-transform.js';
import { countingStream, pullFromTransformer } from './hpull-transform.js';
import { EtlInlineJob } from './etl-inline-job.js';
import { runIoTransform } from './io-transform.js';
import { launchLocalEtl, maxJobErrorLists, type LocalEtl } from './local-etl.js';
import type { EtlTargetEnvironment } from './target-etl-environment.js';

/** One object to transform. */
export interface TransformRequest {
  etlName: string;
  bucket: BucketJson;
  name: string;
  args: string | undefined;
  /** Further hpush stages (`etl_pipeline`, the message's `pipeline`). */
  pipeline: readonly string[];
  /** The offline job it belongs to: its failures are kept apart (details `?uuid=`). */
  jobId?: string;
  /** Instead of the ETL's `obj_timeout` (an offline job's `request_timeout`). */
  timeoutMs?: number;
  /**
   * Where an offline transform's output goes: a transformer that supports direct put is told the
   * owner of this name when that is another target, and may deliver the bytes there itself.
   */
  destination?: { bucket: BucketJson; name: string };
}

/** A transform's answer: the bytes (none: the transformer delivered them by direct put). */
export interface TransformedObject {
  body: Readable | undefined;
  length: number | undefined;
  inBytes: number;
  directPutLength?: string | undefined;
  /** The target the transformer delivered the bytes to (direct put). */
  deliveredTo?: string;
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
    const local = launchLocalEtl(name, entry, this.env);
    if (local === undefined) return;
    this.#etls.set(name, local);
    this.#startJob(name, entry.xaction_id);
  }

  #startJob(name: string, xid: string): void {
    const local = this.#etls.get(name);
    if (local === undefined) return;
    local.job = new EtlInlineJob(
      xid,
      () => local,
      (reason) => {
        if (local.stopped || this.#closed) return;
        this.env
          .abortEtl(name, reason)
          .catch((error: unknown) =>
            this.env.log.error('could not stop an ETL whose job was aborted', { etl: name, error }),
          );
      },
    );
    this.env.startJob(local.job);
  }

  async #stopLocal(local: LocalEtl): Promise<void> {
    local.stopped = true;
    local.job?.finish();
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
    if (kind === EtlPath.object) return serveEtlObject(context, local, rest, this.env);
    const jobId = context.query.get(Query.uuid) ?? '';
    sendValue(context.res, await nodeAnswer(local, rest[0] ?? 'status', jobId, this.env.nodeId));
  }

  /** GET `?etl_name=[&etl_args=][&etl_pipeline=]`: the object through the ETL (and its pipeline). */
  async transform(context: RequestContext, address: ObjectAddress): Promise<void> {
    const name = context.query.get(Query.etlName) ?? '';
    const local = this.#running(name);
    if (context.req.headers.range !== undefined)
      throw notImplemented('a Range read of an ETL-transformed object');
    const request: TransformRequest = {
      etlName: name,
      bucket: address.bucket,
      name: address.name,
      args: context.query.get(Query.etlArgs) ?? undefined,
      pipeline: (context.query.get(Query.etlPipeline) ?? '')
        .split(',')
        .filter((stage) => stage !== ''),
    };
    try {
      await this.#transformInline(context, request, local);
    } catch (error) {
      this.#recordError(local, request, error);
      throw error;
    }
  }

  /**
   * The object (read here or from its owner) through the ETL and its pipeline, for an offline
   * transform (a copy with `etl_name`, `etl-bck`, `etl-listrange`): the transformed bytes, none
   * when the transformer delivered them to the destination's owner itself (direct put), or a
   * failure recorded in the ETL's failed objects (those of the job when it names one). hpull is
   * asked by the target itself (`GET /<uname>`), as AIStore's offline jobs do.
   */
  async transformObject(request: TransformRequest): Promise<TransformedObject> {
    const local = this.#running(request.etlName);
    try {
      const directPut = directPutDestination(
        local.spec,
        request.destination,
        request.jobId,
        (bucket, name) => this.env.remoteOwner(bucket, name),
      );
      const produced =
        local.spec.communication === 'hpull'
          ? await this.#pull(local, request, directPut)
          : await this.#produce(local, request, directPut);
      local.inBytes += produced.inBytes;
      if (produced.body !== undefined)
        return { ...produced, body: this.#counted(local, produced.body) };
      if (directPut === undefined)
        throw transformFailed(
          local.name,
          'the transformer answered 204 (delivered by direct put) but no destination was given',
        );
      local.objCount += 1;
      const delivered = Number(produced.directPutLength);
      if (Number.isSafeInteger(delivered)) local.outBytes += delivered;
      return { ...produced, deliveredTo: directPut.targetId };
    } catch (error) {
      this.#recordError(local, request, error);
      throw error;
    }
  }

  /**
   * `PUT ?object_to=<uname>&etl_name=[&etl_args=]` on the source's owner: the object through the
   * ETL, stored as the destination (AIStore's single-object offline transform).
   */
  async copy(context: RequestContext, source: ObjectAddress): Promise<void> {
    const uname = context.query.get(Query.objectTo) ?? '';
    const parsed = parseObjectUname(uname);
    if (typeof parsed === 'string') throw badRequest(`parse-uname "${uname}": ${parsed}`);
    validateObjectName(parsed.objectName);
    const output = await this.transformObject({
      etlName: context.query.get(Query.etlName) ?? '',
      bucket: source.bucket,
      name: source.name,
      args: context.query.get(Query.etlArgs) ?? undefined,
      pipeline: [],
      destination: { bucket: parsed.bucket, name: parsed.objectName },
    });
    if (output.body !== undefined)
      await this.env.storeObject(parsed.bucket, parsed.objectName, output.body, output.length);
    context.res.end();
  }

  /** Failed objects of an offline job on this target (none when it had none or is forgotten). */
  jobErrors(name: string, jobId: string): EtlObjErrorJson[] {
    return this.#etls.get(name)?.jobErrors.get(jobId) ?? [];
  }

  #recordError(local: LocalEtl, request: TransformRequest, error: unknown): void {
    const { status, message } = describeError(error);
    const limit = this.env.metadata.config.values.etl.max_obj_errors;
    let errors = local.errors;
    if (request.jobId !== undefined) {
      errors = local.jobErrors.get(request.jobId) ?? [];
      local.jobErrors.set(request.jobId, errors);
      // The newest jobs' lists are kept, as the newest failures of each.
      for (const old of [...local.jobErrors.keys()].slice(0, -maxJobErrorLists))
        local.jobErrors.delete(old);
    }
    errors.push({ obj_name: request.name, msg: message, ecode: status });
    if (errors.length > limit) errors.splice(0, errors.length - limit);
  }

  #running(name: string): LocalEtl {
    const local = this.#etls.get(name);
    if (local === undefined) throw etlNotFound(name);
    if (local.stopped) throw etlWrongStage(name, EtlStage.aborted, EtlStage.running);
    return local;
  }

  async #transformInline(
    context: RequestContext,
    request: TransformRequest,
    local: LocalEtl,
  ): Promise<void> {
    const { res } = context;
    if (local.spec.communication === 'hpull') {
      if (request.pipeline.length > 0)
        throw badRequest(`etl job "${local.name}": hpull does not take a pipeline`);
      local.objCount += 1;
      res.writeHead(307, {
        [Header.location307]: this.#pullUrl(local, request),
        [Header.contentLength]: 0,
      });
      res.end();
      return;
    }
    if (local.spec.communication === 'io') {
      await this.#answerInline(local, await this.#produce(local, request), res);
      return;
    }
    // hpush: the transformer's bytes go straight into the response as they arrive.
    const answer = await pushInto(this.#pushRequest(local, request, undefined), (size) => {
      res.writeHead(200, inlineHeaders(size));
      return res;
    });
    local.inBytes += answer.inBytes;
    if (answer.directPut !== undefined) {
      this.#answerDirectPut(local, answer.directPut.length, res);
      return;
    }
    local.outBytes += answer.outBytes;
    local.objCount += 1;
  }

  /** io: the process's output to the client, counted. */
  async #answerInline(
    local: LocalEtl,
    answer: TransformedObject,
    res: RequestContext['res'],
  ): Promise<void> {
    local.inBytes += answer.inBytes;
    if (answer.body === undefined) {
      this.#answerDirectPut(local, answer.directPutLength, res);
      return;
    }
    res.writeHead(200, inlineHeaders(answer.length));
    await this.#sendOut(local, answer.body, res).catch((error: unknown) => {
      throw exchangeError(local.name, local.spec.objTimeoutMs, error);
    });
  }

  /** 204: the transformer delivered the bytes itself (direct put), saying how many if it did. */
  #answerDirectPut(
    local: LocalEtl,
    directPutLength: string | undefined,
    res: RequestContext['res'],
  ): void {
    local.objCount += 1;
    res.writeHead(
      204,
      directPutLength === undefined ? {} : { [EtlHeader.directPutLength]: directPutLength },
    );
    res.end();
  }

  /** hpush or io: the transformer's answer (no body: delivered by direct put). */
  async #produce(
    local: LocalEtl,
    request: TransformRequest,
    directPut?: DirectPut,
  ): Promise<TransformedObject> {
    const { spec } = local;
    const objTimeoutMs = request.timeoutMs ?? spec.objTimeoutMs;
    if (spec.communication === 'io') {
      if (request.pipeline.length > 0)
        throw badRequest(`etl job "${local.name}": io:// does not take a pipeline`);
      const opened = await this.env.openObject(request.bucket, request.name);
      const env = request.args === undefined ? spec.env : { ...spec.env, ETL_ARGS: request.args };
      const run = await runIoTransform(
        local.name,
        spec.argv,
        env,
        local.workdir,
        opened.body,
        objTimeoutMs,
      );
      return { body: run.output, length: undefined, inBytes: opened.size };
    }
    return pushToTransformer(this.#pushRequest(local, request, directPut));
  }

  /** The hpush exchange of one object: to the ETL's transformer, then its pipeline's stages. */
  #pushRequest(
    local: LocalEtl,
    request: TransformRequest,
    directPut: DirectPut | undefined,
  ): PushRequest {
    const nextStages = request.pipeline.map((stage) => {
      const next = this.#running(stage);
      if (next.spec.communication !== 'hpush')
        throw badRequest(`etl pipeline: etl job "${stage}" is not hpush://`);
      return this.#url(next);
    });
    if (directPut !== undefined) nextStages.push(directPut.url);
    return {
      etlName: local.name,
      url: this.#url(local),
      path: `/${encodeURIComponent(request.bucket.name)}/${request.name.split('/').map(encodeURIComponent).join('/')}`,
      args: request.args,
      nextStages,
      objTimeoutMs: request.timeoutMs ?? local.spec.objTimeoutMs,
      open: () => this.env.openObjectChunks(request.bucket, request.name),
    };
  }

  /** hpull, asked by this target: the transformer fetches the object from `AIS_TARGET_URL`. */
  async #pull(
    local: LocalEtl,
    request: TransformRequest,
    directPut: DirectPut | undefined,
  ): Promise<TransformedObject> {
    if (request.pipeline.length > 0)
      throw badRequest(`etl job "${local.name}": hpull does not take a pipeline`);
    const { size } = await this.env.headObject(request.bucket, request.name);
    const pulled = await pullFromTransformer(
      local.name,
      this.#pullUrl(local, request),
      request.timeoutMs ?? local.spec.objTimeoutMs,
      directPut?.url,
    );
    return { ...pulled, inBytes: size };
  }

  /** `http://<transformer>/<path-escaped uname>[?etl_args=]` (AIStore's hpull address). */
  #pullUrl(local: LocalEtl, request: TransformRequest): string {
    const query =
      request.args === undefined
        ? ''
        : `?${new URLSearchParams({ [Query.etlArgs]: request.args }).toString()}`;
    const uname = encodeURIComponent(objectUname(request.bucket, request.name));
    return `${this.#url(local)}/${uname}${query}`;
  }

  /** The transformed bytes counted as they pass (and the object once they all did). */
  #counted(local: LocalEtl, body: Readable): Readable {
    const counter = countingStream((bytes) => {
      local.outBytes += bytes;
    });
    counter.on('end', () => {
      local.objCount += 1;
    });
    pipeline(body, counter).catch(() => undefined);
    return counter;
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

/** An inline answer's headers: its length when the transformer said it. */
function inlineHeaders(length: number | undefined): Record<string, string | number> {
  return length === undefined
    ? { [Header.contentType]: 'application/octet-stream' }
    : { [Header.contentLength]: length };
}
