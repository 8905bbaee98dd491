// The names a remote bucket's backend lists under a prefix, page after page with its continuation
// tokens: what a prefetch by prefix selects (the objects are not in the cluster yet).
import { remotePageLimit } from '../../../backends/index.js';
import type { BucketJson } from '../../../wire/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { ObjectService } from './object-service.js';

export async function* remoteObjectNames(
  runtime: NodeRuntime,
  objects: ObjectService,
  bucket: BucketJson,
  prefix: string,
): AsyncGenerator<string> {
  const backend = runtime.backends.for(bucket, objects.resolve(bucket).props);
  let continuationToken: string | undefined;
  do {
    const page = await backend.list({
      limit: remotePageLimit,
      ...(prefix === '' ? {} : { prefix }),
      ...(continuationToken === undefined ? {} : { continuationToken }),
    });
    for (const entry of page.entries) yield entry.name;
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined);
}
