// The S3 API's settings and key pair for a node: from the cluster config (auth switch, domain,
// region, limits; looked up on every request so `set-config` applies at once) and the node config.
import type { S3ApiOptions, S3Ports, S3Settings } from '../../api/s3/index.js';
import { s3Authorizer } from './auth/s3-authorize.js';
import { existingBucketAccess } from './auth/s3-bucket-access.js';
import type { NodeRuntime } from './node-runtime.js';

/**
 * Settings derived from each cluster config's S3 section. A config change replaces the section
 * (configs are immutable), so each is derived once, not on every request.
 */
const derived = new WeakMap<object, Readonly<S3Settings>>();

export function s3Settings(runtime: NodeRuntime): Readonly<S3Settings> {
  const s3 = runtime.store.config.values.s3;
  let settings = derived.get(s3);
  if (settings === undefined) {
    settings = Object.freeze(deriveSettings(s3));
    derived.set(s3, settings);
  }
  return settings;
}

function deriveSettings(s3: NodeRuntime['store']['config']['values']['s3']): S3Settings {
  return {
    authEnabled: s3.auth_enabled,
    domains: s3.domain
      .split(',')
      .map((domain) => domain.trim().toLowerCase())
      .filter((domain) => domain !== ''),
    region: s3.region,
    multipartMinPartBytes: s3.multipart_min_part_bytes,
    maxClockSkewMs: s3.max_clock_skew_ms,
    kmsKeys: s3.kms.keys,
    kmsDefaultKey: s3.kms.default_key === '' ? s3.kms.keys[0] : s3.kms.default_key,
  };
}

export function s3ApiOptions(
  runtime: NodeRuntime,
  ports: S3Ports,
  servesBucketRequests: boolean,
): S3ApiOptions {
  const { accessKey, secretKey } = runtime.config.s3Credentials;
  return {
    ports,
    settings: () => s3Settings(runtime),
    clock: runtime.clock,
    // The node config's pair, else a key the AuthN service handed the cluster (`cairn auth key add`).
    secretOf: (key) => (key === accessKey ? secretKey : runtime.auth.s3Secret(key)),
    servesBucketRequests,
    authorize: s3Authorizer(runtime, accessKey),
    accessOf: (bucket) => existingBucketAccess(runtime, bucket),
  };
}
