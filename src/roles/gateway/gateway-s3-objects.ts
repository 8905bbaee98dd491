// A gateway stores no object: every S3 object operation is forwarded to the owning target before
// it reaches a port, so these methods are never called.
import type { S3ObjectPort } from '../../api/s3/index.js';

function unreachable(): never {
  throw new Error('S3 object operations on a gateway are always forwarded to the owning target');
}

export class ForwardedOnly implements S3ObjectPort {
  head = unreachable;
  get = unreachable;
  objectParts = unreachable;
  openSource = unreachable;
  put = unreachable;
  delete = unreachable;
  setTags = unreachable;
  setAcl = unreachable;
  setRetention = unreachable;
  setLegalHold = unreachable;
  createUpload = unreachable;
  uploadPart = unreachable;
  listParts = unreachable;
  completeUpload = unreachable;
  abortUpload = unreachable;
}
