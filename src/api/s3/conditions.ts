// Conditional requests: If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since on GET
// and HEAD (RFC 9110 order, as S3 applies it), and their x-amz-copy-source-if-* forms on copies.
import type { IncomingHttpHeaders } from 'node:http';
import { StoreError } from '../../errors/index.js';
import type { S3ObjectInfo } from './ports.js';

function text(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function etagMatches(list: string, etag: string): boolean {
  return list
    .split(',')
    .map((item) => item.trim().replace(/^W\//, '').replace(/"/g, ''))
    .some((item) => item === '*' || item === etag);
}

/** Seconds, as HTTP dates carry them. */
function modifiedSeconds(info: S3ObjectInfo): number {
  return Math.floor(info.modifiedTimeMs / 1000);
}

function dateSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : Math.floor(time / 1000);
}

function preconditionFailed(): StoreError {
  return new StoreError(
    'PreconditionFailed',
    'At least one of the pre-conditions you specified did not hold',
  );
}

/** Throws PreconditionFailed (412) or NotModified (304) when a GET/HEAD condition says so. */
export function checkReadConditions(headers: IncomingHttpHeaders, info: S3ObjectInfo): void {
  const ifMatch = text(headers, 'if-match');
  const ifNoneMatch = text(headers, 'if-none-match');
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, info.etag)) throw preconditionFailed();
  } else {
    const since = dateSeconds(text(headers, 'if-unmodified-since'));
    if (since !== undefined && modifiedSeconds(info) > since) throw preconditionFailed();
  }
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, info.etag)) throw notModified();
  } else {
    const since = dateSeconds(text(headers, 'if-modified-since'));
    if (since !== undefined && modifiedSeconds(info) <= since) throw notModified();
  }
}

/** The copy-source conditions: any failure is a 412. */
export function checkCopySourceConditions(headers: IncomingHttpHeaders, info: S3ObjectInfo): void {
  const ifMatch = text(headers, 'x-amz-copy-source-if-match');
  const ifNoneMatch = text(headers, 'x-amz-copy-source-if-none-match');
  const unmodified = dateSeconds(text(headers, 'x-amz-copy-source-if-unmodified-since'));
  const modified = dateSeconds(text(headers, 'x-amz-copy-source-if-modified-since'));
  if (ifMatch !== undefined && !etagMatches(ifMatch, info.etag)) throw preconditionFailed();
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, info.etag)) throw preconditionFailed();
  if (ifMatch === undefined && unmodified !== undefined && modifiedSeconds(info) > unmodified)
    throw preconditionFailed();
  if (ifNoneMatch === undefined && modified !== undefined && modifiedSeconds(info) <= modified)
    throw preconditionFailed();
}

function notModified(): StoreError {
  return new StoreError('NotModified', 'Not Modified');
}
