// S3 error responses: the status and `<Code>` come from api/common's one error table; this file only
// renders them as S3's XML body (no body for HEAD and 304), with the request ID headers.
import { isStoreError } from '../../errors/index.js';
import { describeError, errorTable, reportError, setRetryAfter } from '../common/error-response.js';
import type { RequestContext } from '../common/request-context.js';
import { renderXml } from './xml/xml-codec.js';

/** Headers every S3 response carries. */
export function setRequestIdHeaders(context: RequestContext): void {
  context.res.setHeader('x-amz-request-id', context.requestId);
  context.res.setHeader('x-amz-id-2', context.nodeId);
}

/**
 * `<Resource>`: the bucket and key as the client named them. The path is not it: a forwarded request
 * arrives at the target under `/s3/`, and a virtual-hosted one names the bucket in its Host.
 */
function resourceOf(
  context: RequestContext,
  resource: { bucket?: string | undefined; key?: string | undefined },
): string {
  if (resource.bucket === undefined || resource.bucket === '') return context.path;
  return resource.key === undefined || resource.key === ''
    ? `/${resource.bucket}`
    : `/${resource.bucket}/${resource.key}`;
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
  const argument = isStoreError(error) ? error.argument : undefined;
  const text = renderXml('Error', {
    Code: form.s3Code,
    Message:
      status === 500 && code === 'Internal'
        ? 'We encountered an internal error.'
        : (form.s3Message ?? message),
    ...(argument === undefined
      ? {}
      : { ArgumentName: argument.name, ArgumentValue: argument.value }),
    ...(resource.bucket === undefined ? {} : { BucketName: resource.bucket }),
    ...(resource.key === undefined ? {} : { Key: resource.key }),
    Resource: resourceOf(context, resource),
    RequestId: context.requestId,
  }).replace(/<Error xmlns="[^"]*">/, '<Error>');
  res.setHeader('content-type', 'application/xml');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
