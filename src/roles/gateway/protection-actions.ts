// AIStore's bucket actions that change protection and start the job applying it to existing
// objects: `make-n-copies` (value: copies) and `ec-encode` (value: EC settings to apply).
import type { ClusterOwner } from '../../cluster/index.js';
import { badRequest } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import {
  Action,
  type ActionMessage,
  type BucketJson,
  type BucketPropsUpdateJson,
} from '../../wire/index.js';
import type { JobCoordinator } from './job-coordinator.js';

/** Sets the bucket's mirror or EC properties (validated by the primary), then starts the job. */
export async function startProtectionJob(
  owner: ClusterOwner,
  jobs: JobCoordinator,
  bucket: BucketJson,
  message: ActionMessage,
): Promise<string> {
  if (message.action === Action.makeNCopies) {
    const copies = typeof message.value === 'string' ? Number(message.value) : message.value;
    if (typeof copies !== 'number' || !Number.isInteger(copies) || copies < 1 || copies > 32) {
      throw badRequest(`make-n-copies: value must be the number of copies (1 to 32)`);
    }
    await owner.setBucketProps(bucket, { mirror: { enabled: copies > 1, copies } }, false);
    return jobs.start(Action.makeNCopies, bucket, copies);
  }
  const settings =
    message.value === null || message.value === undefined ? {} : asRecord(message.value);
  if (settings === undefined) throw badRequest('ec-encode: value must be an object of EC settings');
  const update = { ec: { ...settings, enabled: true } } as BucketPropsUpdateJson;
  await owner.setBucketProps(bucket, update, false);
  return jobs.start(Action.ecEncode, bucket, undefined);
}
