// S3 object lock operations: the bucket's configuration (Get/PutObjectLockConfiguration) and a
// version's retention and legal hold (Get/PutObjectRetention, Get/PutObjectLegalHold).
import { StoreError } from '../../../errors/index.js';
import {
  bypassesGovernance,
  lockConfigurationXml,
  parseLegalHold,
  parseLockConfiguration,
  parseRetention,
} from '../object-lock.js';
import type { S3Operation } from '../operation.js';
import type { S3ObjectInfo } from '../ports.js';
import { versionIdOf, type S3Handler, type S3Request } from '../request.js';
import { sendXml, xmlTime } from '../xml/xml-codec.js';
import { readXmlDocument, sendEmpty } from './xml-body.js';

const getObjectLockConfiguration: S3Handler = (request) => {
  request.ports.buckets.headBucket(request.bucket);
  const config = request.ports.buckets.getObjectLock(request.bucket);
  if (config === undefined) {
    throw new StoreError(
      'ObjectLockConfigurationNotFound',
      'Object Lock configuration does not exist for this bucket',
    );
  }
  sendXml(request.context.res, 'ObjectLockConfiguration', lockConfigurationXml(config));
  return Promise.resolve();
};

const putObjectLockConfiguration: S3Handler = async (request) => {
  request.ports.buckets.headBucket(request.bucket);
  const document = await readXmlDocument(request, 'ObjectLockConfiguration');
  const config = parseLockConfiguration(document);
  await request.ports.buckets.setObjectLock(request.bucket, config, request.context);
  sendEmpty(request, 200);
};

/** The version a retention or legal hold call answered about. */
function setVersionHeader(request: S3Request, info: S3ObjectInfo): void {
  if (info.versionId !== undefined)
    request.context.res.setHeader('x-amz-version-id', info.versionId);
}

const getObjectRetention: S3Handler = async (request) => {
  const info = await request.ports.objects.head(request.bucket, request.key, versionIdOf(request));
  const retention = info.lock?.retention;
  if (retention === undefined) {
    throw new StoreError(
      'NoSuchObjectLockConfiguration',
      'The specified object does not have a ObjectLock configuration',
    );
  }
  sendXml(request.context.res, 'Retention', {
    Mode: retention.mode,
    RetainUntilDate: xmlTime(retention.untilMs),
  });
};

const putObjectRetention: S3Handler = async (request) => {
  const document = await readXmlDocument(request, 'Retention');
  const retention = parseRetention(document, request.clock.nowMs());
  const info = await request.ports.objects.setRetention(
    request.bucket,
    request.key,
    versionIdOf(request),
    retention,
    bypassesGovernance(request.context.req.headers),
  );
  setVersionHeader(request, info);
  sendEmpty(request, 200);
};

const getObjectLegalHold: S3Handler = async (request) => {
  const info = await request.ports.objects.head(request.bucket, request.key, versionIdOf(request));
  // The record keeps a hold that is on; a version without one is OFF.
  sendXml(request.context.res, 'LegalHold', {
    Status: info.lock?.legalHold === true ? 'ON' : 'OFF',
  });
};

const putObjectLegalHold: S3Handler = async (request) => {
  const document = await readXmlDocument(request, 'LegalHold');
  const info = await request.ports.objects.setLegalHold(
    request.bucket,
    request.key,
    versionIdOf(request),
    parseLegalHold(document),
  );
  setVersionHeader(request, info);
  sendEmpty(request, 200);
};

export const objectLockHandlers = {
  GetObjectLockConfiguration: getObjectLockConfiguration,
  PutObjectLockConfiguration: putObjectLockConfiguration,
  GetObjectRetention: getObjectRetention,
  PutObjectRetention: putObjectRetention,
  GetObjectLegalHold: getObjectLegalHold,
  PutObjectLegalHold: putObjectLegalHold,
} satisfies Partial<Record<S3Operation, S3Handler>>;
