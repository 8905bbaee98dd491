// The names of a bucket's objects under a prefix across the cluster, in order (the archive job's
// prefix and whole-bucket selections): every active target lists what it holds, page by page,
// and the pages are merged as they come, so no more than a page per target is held at a time.
import { randomId } from '../../../util/ids.js';
import {
  Action,
  apiPath,
  bucketQuery,
  Resource,
  type ActionMessage,
  type BucketJson,
  type ListPageJson,
} from '../../../wire/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';

const pageSize = 1000;

interface TargetNames {
  url: string;
  names: string[];
  at: number;
  after: string;
  done: boolean;
}

export async function* clusterObjectNames(
  runtime: NodeRuntime,
  bucket: BucketJson,
  prefix: string,
): AsyncGenerator<string> {
  const path = `${apiPath(Resource.buckets, bucket.name)}?${bucketQuery(bucket).toString()}`;
  const uuid = randomId(10);
  const timeoutMs = runtime.store.config.values.timeouts.control_ms * 6;
  const refill = async (target: TargetNames): Promise<void> => {
    if (target.at < target.names.length || target.done) return;
    const body: ActionMessage = {
      action: Action.list,
      value: { uuid, prefix, props: 'name', pagesize: pageSize, continuation_token: target.after },
    };
    const page = (await runtime.client.requestJson(`${target.url}${path}`, {
      method: 'GET',
      body,
      timeoutMs,
    })) as ListPageJson;
    target.names = page.entries.map((entry) => entry.name);
    target.at = 0;
    target.after = target.names[target.names.length - 1] ?? target.after;
    target.done = page.continuation_token === '' || target.names.length === 0;
  };
  const targets: TargetNames[] = (runtime.store.clusterMap?.activeTargets() ?? []).map(
    (target) => ({ url: target.intraUrl, names: [], at: 0, after: '', done: false }),
  );
  let last: string | undefined;
  for (;;) {
    await Promise.all(targets.map(refill));
    let next: TargetNames | undefined;
    for (const target of targets) {
      const name = target.names[target.at];
      if (name !== undefined && (next === undefined || name < (next.names[next.at] ?? '')))
        next = target;
    }
    if (next === undefined) return;
    const name = next.names[next.at] as string;
    next.at += 1;
    // A name two targets hold (a rebalance moving it) is archived once.
    if (name !== last) yield name;
    last = name;
  }
}
