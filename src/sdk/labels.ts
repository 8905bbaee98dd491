// Operation labels for error messages, in the wording AIStore uses (`PUT ais://b/o`,
// `bucket "ais://b" does not exist`) so that messages read the same whichever side reports.
import { bucketDisplayName, type BucketJson } from '../wire/index.js';
import type { OperationLabel } from './errors.js';

/** `GET ais://bucket/object`. */
export function objectLabel(
  method: string,
  bucket: BucketJson,
  objectName: string,
): OperationLabel {
  const subject = `${bucketDisplayName(bucket)}/${objectName}`;
  return { text: `${method} ${subject}`, subject };
}

/** `HEAD ais://bucket`, with the subject `bucket "ais://bucket"`. */
export function bucketLabel(method: string, bucket: BucketJson, what?: string): OperationLabel {
  const display = bucketDisplayName(bucket);
  const text = what === undefined ? `${method} ${display}` : `${what} ${display}`;
  return { text, subject: `bucket "${display}"` };
}

/** A cluster-level request: `GET cluster map from http://...`. */
export function clusterLabel(text: string): OperationLabel {
  return { text };
}
