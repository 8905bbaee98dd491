// Multipart uploads under chaos: each session creates an upload, sends two parts and completes it,
// with the client hanging up at one chosen step (or none); an interrupted upload is aborted after.
import type { NodeProcess } from '../harness/node-process.js';
import type { Prng } from '../harness/prng.js';
import { signedHeaders } from '../harness/s3-signer.js';
import { contentOf } from './chaos-content.js';
import { baseUrlOf, type ChaosWorld } from './chaos-requests.js';
import {
  abortedExchange,
  closingRequest,
  type AbortPoint,
  type CompleteAnswer,
  type HangUp,
} from './raw-exchange.js';

type Step = 'create' | 'part1' | 'part2' | 'complete' | 'none';

export interface MultipartSession {
  id: string;
  name: string;
  node: NodeProcess;
  part1Bytes: number;
  part2Bytes: number;
  abortAt: Step;
  point: AbortPoint;
  hangUp: HangUp;
}

/** The smallest part but the last; the test cluster is configured with it. */
export const minPartBytes = 64 * 1024;

export function planSession(world: ChaosWorld, rng: Prng, serial: number): MultipartSession {
  const name = rng.pick(world.victims);
  const part1Bytes = rng.int(minPartBytes, 4 * minPartBytes);
  const part2Bytes = rng.int(64, 2 * minPartBytes);
  const id = `mp${serial}`;
  world.contents.allow(`${world.s3Bucket}/${name}`, id, part1Bytes + part2Bytes);
  const owner = world.ownerOf(world.s3Bucket, name);
  const node = rng.weighted([
    [owner, 2],
    [rng.pick(world.gateways), 2],
    [rng.pick(world.targets), 1],
  ] as const);
  const abortAt = rng.weighted([
    ['create', 1],
    ['part1', 2],
    ['part2', 1],
    ['complete', 2],
    ['none', 0.5],
  ] as const);
  const at = rng.weighted([
    ['head', 1],
    ['body', abortAt === 'create' ? 0 : 3],
    ['sent', 2],
    ['response', 2],
  ] as const);
  const point: AbortPoint =
    at === 'sent'
      ? { at, delayMs: rng.int(0, 20) }
      : at === 'response'
        ? { at, bytes: rng.int(0, 400) }
        : { at, fraction: rng.float() };
  const hangUp = rng.pick(['fin', 'destroy', 'reset'] as const);
  return { id, name, node, part1Bytes, part2Bytes, abortAt, point, hangUp };
}

async function signed(
  session: MultipartSession,
  method: string,
  path: string,
  body?: Buffer,
): Promise<{ headers: Record<string, string>; body?: Buffer }> {
  const headers = await signedHeaders(baseUrlOf(session.node), method, path, {});
  return body === undefined ? { headers } : { headers, body };
}

/** Runs one step: aborted when it is the session's chosen one, else complete (undefined if aborted). */
async function step(
  session: MultipartSession,
  name: Step,
  method: string,
  path: string,
  body?: Buffer,
): Promise<CompleteAnswer | undefined> {
  const request = await signed(session, method, path, body);
  if (session.abortAt === name) {
    if (body !== undefined) request.headers['content-length'] = String(body.length);
    await abortedExchange(
      { port: session.node.port, method, path, ...request },
      session.point,
      session.hangUp,
    );
    return undefined;
  }
  return closingRequest(session.node.port, method, path, request);
}

/** Runs a session; returns the step that failed unexpectedly (not the planned hang-up), if any. */
export async function runSession(
  world: ChaosWorld,
  session: MultipartSession,
): Promise<string | undefined> {
  const path = `/${world.s3Bucket}/${session.name}`;
  const data = contentOf(session.id, session.part1Bytes + session.part2Bytes);
  const created = await step(session, 'create', 'POST', `${path}?uploads`);
  if (created === undefined) return undefined;
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.bytes.toString())?.[1];
  if (created.status !== 200 || uploadId === undefined)
    return `create: ${created.status} ${created.bytes.toString().slice(0, 200)}`;
  const upload = `uploadId=${encodeURIComponent(uploadId)}`;
  let failure: string | undefined;
  const etags: string[] = [];
  const parts = [data.subarray(0, session.part1Bytes), data.subarray(session.part1Bytes)];
  let interrupted = false;
  for (const [index, part] of parts.entries()) {
    const answer = await step(
      session,
      index === 0 ? 'part1' : 'part2',
      'PUT',
      `${path}?partNumber=${index + 1}&${upload}`,
      part,
    );
    if (answer === undefined) {
      interrupted = true;
      break;
    }
    const etag = answer.headers['etag'];
    if (answer.status !== 200 || typeof etag !== 'string') {
      failure = `part ${index + 1}: ${answer.status}`;
      break;
    }
    etags.push(etag);
  }
  if (!interrupted && failure === undefined) {
    const document = Buffer.from(
      `<CompleteMultipartUpload>${etags
        .map(
          (etag, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>${etag}</ETag></Part>`,
        )
        .join('')}</CompleteMultipartUpload>`,
    );
    const answer = await step(session, 'complete', 'POST', `${path}?${upload}`, document);
    if (answer !== undefined && answer.status !== 200) failure = `complete: ${answer.status}`;
    if (answer !== undefined && answer.status === 200) return failure;
  }
  // Interrupted (or failed): abort the upload, as a client would. It may have completed after all
  // (the hang-up came after the whole request), then there is no upload left: 404 is fine.
  const aborted = await closingRequest(
    session.node.port,
    'DELETE',
    `${path}?${upload}`,
    await signed(session, 'DELETE', `${path}?${upload}`),
  );
  if (aborted.status !== 204 && aborted.status !== 404) failure ??= `abort: ${aborted.status}`;
  return failure;
}
