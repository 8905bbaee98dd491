// S3 error responses: the status and `<Code>` come from api/common's one error table; this file only
// renders them as S3's XML body (no body for HEAD and 304), with the request ID headers.
import { describeError, errorTable, reportError, setRetryAfter } from '../common/error-response.js';
import type { RequestContext } from '../common/request-context.js';
import { renderXml } from './xml/xml-codec.js';

/** Headers every S3 response carries. */
export function setRequestIdHeaders(context: RequestContext): void {
  context.res.setHeader('x-amz-request-id', context.requestId);
  context.res.setHeader('x-amz-id-2', context.nodeId);
}

export function sendS3Error(
  context: RequestContext,
  error: unknown,
  resource: { bucket?: string | undefined; key?: string | undefined },
): void {
  const { code, message } = describeError(error);
  const form = errorTable[code];
  const status = form.s3Status ?? form.status;
  if (!reportError(context, error, { status, code, message })) return;
  const { res } = context;
  res.statusCode = status;
  setRequestIdHeaders(context);
  setRetryAfter(context, error);
  if (context.method === 'HEAD' || status === 304) {
    res.end();
    return;
  }
  const text = renderXml('Error', {
    Code: form.s3Code,
    Message: status === 500 && code === 'Internal' ? 'We encountered an internal error.' : message,
    ...(resource.bucket === undefined ? {} : { BucketName: resource.bucket }),
    ...(resource.key === undefined ? {} : { Key: resource.key }),
    Resource: context.path,
    RequestId: context.requestId,
  }).replace(/<Error xmlns="[^"]*">/, '<Error>');
  res.setHeader('content-type', 'application/xml');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
