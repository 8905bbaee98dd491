// S3 access control: ownership, ACLs, bucket policies, public access block and the decision.
export { clientFacts, decideAccess, type AccessQuestion } from './access-decision.js';
export { decideAtObject, type S3Grant } from './object-decision.js';
export type { DeferredDecision } from './access-decision.js';
export { aclHandlers, newBucketAccess, withWriteAcl } from './bucket-acl-operations.js';
export { corsHandlers, setCorsHeaders } from './cors.js';
export { policyHandlers } from './policy-operations.js';
export {
  anonymousPrincipal,
  clusterOwnerId,
  defaultBucketAccess,
  storedBucketAccess,
  type S3Principal,
} from './principal.js';
export { operationAccess } from './s3-actions.js';
export { decodeObjectAcl, encodeObjectAcl, type S3ObjectAcl } from './object-acl.js';
