// S3 POST Object: a browser form upload to a bucket. The fields before the file say who signed
// the form (SigV4 of its policy), what the policy allows and what the object is; the file part is
// then streamed to the target that stores the key as a PutObject, its size checked on the way
// against the policy's `content-length-range`. Answered as S3 does: 204, 200, 201 with a
// PostResponse document, or a 303 to `success_action_redirect`.
import { pipeline } from 'node:stream';
import { finished } from 'node:stream/promises';
import { StoreError } from '../../../errors/index.js';
import { readSmallBody } from '../../common/body.js';
import type { RequestContext } from '../../common/request-context.js';
import type { S3Principal } from '../access/principal.js';
import type { AuthResult } from '../auth/authenticate.js';
import { authenticatePostForm } from '../auth/post-signature.js';
import { declaredChecksum } from '../body/object-payload.js';
import { ForwardHeader } from '../forwarding.js';
import type { S3ForwardedAnswer } from '../ports.js';
import type { S3Request } from '../request.js';
import { sendXml } from '../xml/xml-codec.js';
import { objectHeadersOfForm } from './form-headers.js';
import { checkPostPolicy, parsePostPolicy, type LengthRange } from './post-policy.js';
import { readUploadForm, type UploadForm } from './upload-form.js';
import { UploadLength } from './upload-length.js';

/** S3 keys are at most 1024 bytes of UTF-8. */
const maxKeyBytes = 1024;
/** Largest error document of a target passed on to the client. */
const maxErrorAnswerBytes = 64 * 1024;

/** What the handler needs besides the request: the keys' secrets and the access decision. */
export interface PostObjectAccess {
  secretOf(accessKey: string): string | undefined;
  /** Throws AccessDenied unless the caller may PutObject `key`; who the caller is, if checked. */
  authorizeWrite(auth: AuthResult, key: string): S3Principal | undefined;
}

interface PreparedUpload {
  key: string;
  auth: AuthResult;
  headers: Record<string, string>;
  length: LengthRange | undefined;
}

export async function servePostObject(request: S3Request, access: PostObjectAccess): Promise<void> {
  const { context } = request;
  const form = await readUploadForm(context);
  let upload: PreparedUpload;
  try {
    upload = prepareUpload(request, form, access);
  } catch (error) {
    await form.discard();
    throw error;
  }
  const counted = new UploadLength(upload.length);
  // Errors surface through the forward (its body fails); the callback only ends the pipeline.
  pipeline(form.file, counted, () => undefined);
  let answer: S3ForwardedAnswer;
  try {
    answer = await request.ports.forwarder.forwardWrite({
      bucket: request.bucket,
      key: upload.key,
      auth: upload.auth,
      headers: upload.headers,
      body: counted,
    });
  } catch (error) {
    form.abandon();
    throw counted.violation ?? form.failure() ?? error;
  }
  if (answer.statusCode >= 300) {
    form.abandon();
    await passOnRefusal(context, answer);
    return;
  }
  answer.body.resume();
  await finished(answer.body);
  await form.done;
  sendSuccess(request, form.fields, upload.key, answer);
}

/** Checks signature, policy and access, and makes the object's key and headers. */
function prepareUpload(
  request: S3Request,
  form: UploadForm,
  access: PostObjectAccess,
): PreparedUpload {
  const { fields } = form;
  const auth = authenticatePostForm(fields, {
    enabled: request.settings.authEnabled,
    secretOf: (accessKey) => access.secretOf(accessKey),
  });
  const keyField = fields.get('key');
  if (keyField === undefined || keyField === '') {
    throw new StoreError(
      'InvalidArgument',
      "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
    );
  }
  const policyText = fields.get('policy');
  const policy = policyText === undefined ? undefined : parsePostPolicy(policyText);
  if (policy !== undefined)
    checkPostPolicy(policy, { fields, bucket: request.bucket }, request.clock.nowMs());
  const key = keyField.replaceAll('${filename}', form.filename);
  if (Buffer.byteLength(key, 'utf8') > maxKeyBytes)
    throw new StoreError('ObjectNameTooLong', 'Your key is too long');
  const headers = objectHeadersOfForm(fields);
  // The target checks them again; refused here, before any of the file is forwarded (a target
  // refusing a write it has not read cuts the forward short).
  declaredChecksum(headers, true);
  headers[ForwardHeader.formUpload] = '1';
  const principal = access.authorizeWrite(auth, key);
  // Unsigned forms go ahead only when an authorization let them (as any unsigned request).
  if (principal === undefined && auth.anonymous === true)
    throw new StoreError('AccessDenied', 'Access Denied');
  return {
    key,
    auth: principal === undefined ? auth : { ...auth, principal },
    headers,
    length: policy?.length,
  };
}

/** The target refused the write: its status and S3 error document go to the client. */
async function passOnRefusal(context: RequestContext, answer: S3ForwardedAnswer): Promise<void> {
  const text = await readSmallBody(answer.body, maxErrorAnswerBytes, 'error answer');
  const { res } = context;
  res.statusCode = answer.statusCode;
  const contentType = answer.headers['content-type'];
  if (typeof contentType === 'string') res.setHeader('content-type', contentType);
  res.setHeader('content-length', text.length);
  // The rest of the form is not read: the connection cannot carry another request.
  if (!context.req.complete) res.setHeader('connection', 'close');
  res.end(text);
}

/** Headers of the stored object's answer that the client gets too. */
const passedHeaders = (name: string): boolean =>
  name === 'etag' || name === 'x-amz-version-id' || name.startsWith('x-amz-checksum-');

function sendSuccess(
  request: S3Request,
  fields: ReadonlyMap<string, string>,
  key: string,
  answer: S3ForwardedAnswer,
): void {
  const { res } = request.context;
  for (const [name, value] of Object.entries(answer.headers))
    if (value !== undefined && passedHeaders(name)) res.setHeader(name, value);
  const etag = String(answer.headers.etag ?? '');
  const location = objectUrl(request, key);
  res.setHeader('location', location);
  const redirect = redirectUrl(fields.get('success_action_redirect') ?? fields.get('redirect'));
  if (redirect !== undefined) {
    redirect.searchParams.append('bucket', request.bucket);
    redirect.searchParams.append('key', key);
    redirect.searchParams.append('etag', etag);
    res.setHeader('location', redirect.toString());
    res.statusCode = 303;
    res.end();
    return;
  }
  const status = fields.get('success_action_status');
  if (status === '201') {
    sendXml(
      res,
      'PostResponse',
      { Location: location, Bucket: request.bucket, Key: key, ETag: etag },
      201,
    );
    return;
  }
  // S3's default, and its answer to any other value.
  res.statusCode = status === '200' ? 200 : 204;
  res.end();
}

/** An http(s) URL to redirect to; anything else is ignored, as S3 ignores it. */
function redirectUrl(value: string | undefined): URL | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The new object's URL, addressed as the form addressed the bucket (path or virtual host). */
function objectUrl(request: S3Request, key: string): string {
  const { req, path } = request.context;
  const secure = 'encrypted' in req.socket && req.socket.encrypted === true;
  const origin = `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
  const encodedKey = key.split('/').map(encodeURIComponent).join('/');
  const bucketPrefix = `/${encodeURIComponent(request.bucket)}`;
  const pathStyle = path === bucketPrefix || path.startsWith(`${bucketPrefix}/`);
  return pathStyle ? `${origin}${bucketPrefix}/${encodedKey}` : `${origin}/${encodedKey}`;
}
