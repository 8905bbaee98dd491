// The S3 API router: addressing, authentication, operation detection, then either the handler of
// the operation here or forwarding to the node that stores the key. Errors become S3 error XML.
import { StoreError } from '../../errors/index.js';
import type { RequestHandler } from '../common/http-server.js';
import type { RequestContext } from '../common/request-context.js';
import { s3StatsOperation } from '../common/request-stats.js';
import { authenticate, type AuthResult } from './auth/authenticate.js';
import { hostBucket, resolveAddress, type S3Address } from './addressing.js';
import { sendS3Error, setRequestIdHeaders } from './error-xml.js';
import { forwardedAddress, forwardedAuth, internalListQuery, isForwarded } from './forwarding.js';
import { detectOperation, objectOperations, type S3Operation } from './operation.js';
import { bucketHandlers } from './operations/bucket-operations.js';
import { serveInternalList } from './operations/internal-list.js';
import { listHandlers } from './operations/list-operations.js';
import { multipartHandlers } from './operations/multipart-operations.js';
import { objectReadHandlers, refuseAnonymousOverrides } from './operations/object-read.js';
import { objectWriteHandlers } from './operations/object-write.js';
import { objectLockHandlers } from './operations/object-lock-operations.js';
import { lifecycleHandlers } from './operations/lifecycle-operations.js';
import { encryptionHandlers } from './operations/encryption-operations.js';
import { objectAttributeHandlers } from './operations/object-attributes.js';
import { bucketTaggingHandlers } from './operations/bucket-tagging.js';
import type { Clock } from '../../util/clock.js';
import type { S3Ports } from './ports.js';
import {
  aclHandlers,
  corsHandlers,
  policyHandlers,
  decideAtObject,
  setCorsHeaders,
  type S3Grant,
} from './access/index.js';
import type { S3AccessPropsJson } from '../../wire/index.js';
import type { S3Handler, S3Settings } from './request.js';
import { refuseUnsupportedGuarantees } from './write-guarantees.js';
import { servePostObject } from './post-object/post-object.js';

/** S3 keys are at most 1024 bytes of UTF-8. */
const maxKeyBytes = 1024;

export interface S3ApiOptions {
  ports: S3Ports;
  settings(): S3Settings;
  /** The node's clock: signature dates, retention dates, policy times and expiries are checked by it. */
  clock: Clock;
  /** The secret of an access key, or undefined when unknown. */
  secretOf(accessKey: string): string | undefined;
  /** False on targets: bucket-level requests from clients belong to gateways. */
  servesBucketRequests: boolean;
  /**
   * Checks that the signer (or an anonymous caller) may do `operation` on `bucket`/`key`; throws
   * AccessDenied. Runs where the signature is verified, before any forwarding. Returns who the
   * caller is (owners of new buckets and objects) and what the object's node must still decide,
   * undefined when nothing is checked.
   */
  authorize?(
    context: RequestContext,
    auth: AuthResult,
    operation: S3Operation,
    bucket: string,
    key: string,
  ): S3Grant | undefined;
  /** The bucket's access control (its CORS rules), undefined when there is no such bucket. */
  accessOf?(bucket: string): S3AccessPropsJson | undefined;
}

/** Every operation but POST Object, which authenticates from its form (post-object.ts). */
const handlers: Record<Exclude<S3Operation, 'PostObject'>, S3Handler> = {
  ...bucketHandlers,
  ...listHandlers,
  ...objectReadHandlers,
  ...objectWriteHandlers,
  ...multipartHandlers,
  ...objectLockHandlers,
  ...lifecycleHandlers,
  ...encryptionHandlers,
  ...objectAttributeHandlers,
  ...bucketTaggingHandlers,
  ...aclHandlers,
  ...policyHandlers,
  ...corsHandlers,
};

export function createS3Handler(options: S3ApiOptions): RequestHandler {
  const secretOf = (accessKey: string): string | undefined => options.secretOf(accessKey);
  return async (context: RequestContext): Promise<void> => {
    let address: S3Address = { bucket: undefined, key: undefined };
    try {
      const settings = options.settings();
      const forwarded = isForwarded(context);
      const virtualBucket = forwarded ? undefined : hostBucket(context, settings.domains);
      address = forwarded ? forwardedAddress(context) : resolveAddress(context, virtualBucket);
      if (
        forwarded &&
        context.search !== '' &&
        context.query.has(internalListQuery) &&
        address.bucket !== undefined
      ) {
        setRequestIdHeaders(context);
        await serveInternalList(context, options.ports.buckets, address.bucket);
        return;
      }
      let auth: AuthResult = forwarded
        ? forwardedAuth(context)
        : authenticate(context, {
            enabled: settings.authEnabled,
            secretOf,
            maxClockSkewMs: settings.maxClockSkewMs,
            nowMs: () => options.clock.nowMs(),
            hostBucket: virtualBucket,
          });
      const operation = detectOperation(context, address);
      context.operation = s3StatsOperation(operation);
      if (address.bucket !== undefined && context.req.headers.origin !== undefined)
        setCorsHeaders(context, options.accessOf?.(address.bucket)?.cors);
      if (!forwarded && operation !== 'PostObject') {
        const grant = options.authorize?.(
          context,
          auth,
          operation,
          address.bucket ?? '',
          address.key ?? '',
        );
        // Unsigned requests go ahead only when an authorization let them.
        if (grant === undefined && auth.anonymous === true)
          throw new StoreError('AccessDenied', 'Access Denied');
        if (grant !== undefined) auth = { ...auth, ...grant };
      }
      // Before forwarding to the target that stores the key, and again there.
      refuseUnsupportedGuarantees(context, operation);
      const bucket = address.bucket ?? '';
      const key = address.key ?? '';
      // A UTF-16 code unit is at most 3 bytes of UTF-8: only long keys need counting.
      if (key.length * 3 > maxKeyBytes && Buffer.byteLength(key, 'utf8') > maxKeyBytes) {
        throw new StoreError('ObjectNameTooLong', 'Your key is too long');
      }
      if (objectOperations.has(operation)) {
        // Forwarded answers carry the request ID headers of the node that served them.
        if (!forwarded && (await options.ports.forwarder.forward(context, bucket, key, auth))) {
          return;
        }
        const waiting = forwarded ? options.ports.forwarder.arrived(context, bucket) : undefined;
        if (waiting !== undefined) await waiting;
      } else if (!forwarded && !options.servesBucketRequests) {
        if (await options.ports.forwarder.forwardToGateway(context)) return;
        throw new StoreError(
          'NotImplemented',
          `S3 ${operation} on a storage target is not implemented: send it to a gateway ` +
            '(or set s3.serve_on_targets)',
        );
      }
      setRequestIdHeaders(context);
      const { ports, clock } = options;
      const request = { context, bucket, key, auth, ports, settings, clock };
      if (operation === 'PostObject') {
        await servePostObject(request, {
          secretOf,
          authorizeWrite: (formAuth, formKey) => {
            const grant = options.authorize?.(context, formAuth, 'PutObject', bucket, formKey);
            // A form's policy decision that needs the existing object is not made (refused).
            if (grant?.deferred !== undefined)
              throw new StoreError('AccessDenied', 'Access Denied');
            return grant?.principal;
          },
        });
        return;
      }
      // The object's ACL or tags decide (the node that checked the signature could not).
      if (auth.deferred !== undefined) await decideAtObject(request, operation, auth.deferred);
      if (auth.anonymous === true || auth.principal?.anonymous === true)
        refuseAnonymousOverrides(context, operation);
      await handlers[operation](request);
    } catch (error) {
      sendS3Error(context, error, address);
    }
  };
}
