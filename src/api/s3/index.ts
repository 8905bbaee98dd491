// The S3 API: router, ports the roles implement, and what roles need to forward and list.
export * from './addressing.js';
export type { AuthResult } from './auth/authenticate.js';
export * from './forwarding.js';
export * from './object-headers.js';
export * from './ports.js';
export * from './request.js';
export * from './router.js';
export { parseS3ErrorXml } from './xml/error-document.js';
export {
  combinePartChecksums,
  uploadChecksumOf,
  type S3UploadChecksum,
} from './body/multipart-checksums.js';
export * from './write-conditions.js';
export * from './object-lock.js';
export * from './lifecycle-configuration.js';
export * from './sse-headers.js';
