// The JSON form of a version's S3 attributes, shared by the EC metafile (`s3_attrs`, restored with
// the object) and the rebalance transfer headers (`Cairn-S3-Attributes`, committed by the new
// owner): one encoder, one tolerant decoder.
import type { VersionAttributes } from '../storage/index.js';
import { asRecord } from '../util/json.js';
import type { S3AttributesJson } from '../wire/index.js';

/** Attributes as JSON; keys without a value (or with no entries) are left out. */
export function encodeS3Attributes(attributes: VersionAttributes): S3AttributesJson {
  const json: S3AttributesJson = {};
  if (attributes.etag !== undefined) json.etag = attributes.etag;
  if (hasEntries(attributes.contentHeaders)) json.content_headers = attributes.contentHeaders;
  if (hasEntries(attributes.tags)) json.tags = attributes.tags;
  if (hasEntries(attributes.extraChecksums)) json.extra_checksums = attributes.extraChecksums;
  if (attributes.versionId !== undefined) json.version_id = attributes.versionId;
  if (attributes.versionStamp !== undefined) json.version_stamp = attributes.versionStamp;
  if (attributes.deleteMarker === true) json.delete_marker = true;
  if (attributes.retention !== undefined)
    json.retention = { mode: attributes.retention.mode, until_ms: attributes.retention.untilMs };
  if (attributes.legalHold === true) json.legal_hold = true;
  return json;
}

/** Attributes from JSON of any origin: what is malformed or missing is left out. */
export function decodeS3Attributes(value: unknown): VersionAttributes {
  const json = asRecord(value) ?? {};
  const attributes: VersionAttributes = {
    contentHeaders: stringRecord(json.content_headers),
    tags: stringRecord(json.tags),
    extraChecksums: stringRecord(json.extra_checksums),
  };
  if (typeof json.etag === 'string') attributes.etag = json.etag;
  if (typeof json.version_id === 'string') attributes.versionId = json.version_id;
  if (Number.isSafeInteger(json.version_stamp))
    attributes.versionStamp = json.version_stamp as number;
  if (json.delete_marker === true) attributes.deleteMarker = true;
  const retention = asRecord(json.retention);
  const mode = retention?.mode;
  const untilMs = retention?.until_ms;
  if ((mode === 'GOVERNANCE' || mode === 'COMPLIANCE') && Number.isSafeInteger(untilMs))
    attributes.retention = { mode, untilMs: untilMs as number };
  if (json.legal_hold === true) attributes.legalHold = true;
  return attributes;
}

/** The string-valued entries of a JSON object (anything else is dropped). */
export function stringRecord(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(asRecord(value) ?? {})) {
    if (typeof item === 'string') result[key] = item;
  }
  return result;
}

function hasEntries(record: Record<string, string> | undefined): record is Record<string, string> {
  return record !== undefined && Object.keys(record).length > 0;
}
