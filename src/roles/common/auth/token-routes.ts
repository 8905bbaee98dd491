// `/v1/tokens`: what the AuthN service hands a cluster. `DELETE` with `{"token": ...}` or
// `{"tokens": [...]}` revokes tokens (AIStore's shape); `PUT` with the whole state (revoked tokens
// and S3 keys) is Cairn's AuthN push. The node that receives one (an admin's request, checked
// before) applies it and passes it on to every other node over the intra-cluster port, so a
// revoked token is refused cluster-wide at once. On the intra-cluster port the node only applies.
import type { RequestContext, RequestHandler } from '../../../api/common/index.js';
import { readJsonBody } from '../../../api/common/index.js';
import { sendAnswer } from '../../../api/native/index.js';
import { parseClusterAuthState, type ClusterAuthState } from '../../../auth/index.js';
import { StoreError, badRequest } from '../../../errors/index.js';
import { asRecord } from '../../../util/json.js';
import { apiPath, Resource } from '../../../wire/index.js';
import type { MetadataStore } from '../../../cluster/index.js';
import type { IntraClient } from '../../../transport/index.js';
import type { Logger } from '../../../util/log.js';
import type { NodeAuth } from './node-auth.js';

/** The parts of a node the routes use (the node runtime installs them, so not the runtime). */
interface TokenRouteNode {
  readonly id: string;
  readonly auth: NodeAuth;
  readonly store: MetadataStore;
  readonly client: IntraClient;
  readonly log: Logger;
}

interface IntraTokensBody {
  state: unknown;
  replace_keys: boolean;
}

export function withTokenRoutes(runtime: TokenRouteNode, handler: RequestHandler): RequestHandler {
  return (context) =>
    context.segments[1] === Resource.tokens ? handleTokens(runtime, context) : handler(context);
}

async function handleTokens(runtime: TokenRouteNode, context: RequestContext): Promise<void> {
  const body = asRecord(await readJsonBody(context)) ?? {};
  if (context.intra) {
    if (context.method !== 'PUT') throw methodNotAllowed(context);
    const pushed = body as Partial<IntraTokensBody>;
    await runtime.auth.apply(parseState(pushed.state), pushed.replace_keys === true);
    context.res.end();
    return;
  }
  let state: ClusterAuthState;
  let replaceKeys: boolean;
  if (context.method === 'DELETE') {
    const tokens = Array.isArray(body.tokens) ? body.tokens : [body.token];
    if (!tokens.every((token): token is string => typeof token === 'string' && token !== ''))
      throw badRequest('DELETE /v1/tokens: expecting {"token": "..."} or {"tokens": [...]}');
    await runtime.auth.revokeTokens(tokens);
    state = runtime.auth.snapshot();
    replaceKeys = false;
  } else if (context.method === 'PUT') {
    state = parseState(body);
    replaceKeys = true;
    await runtime.auth.apply(state, replaceKeys);
  } else {
    throw methodNotAllowed(context);
  }
  const failed = await passOn(runtime, { state, replace_keys: replaceKeys });
  await sendAnswer(context.res, { nodes_failed: failed });
}

/** Sends to every other node of the cluster map; returns the IDs of those that did not take it. */
async function passOn(runtime: TokenRouteNode, body: IntraTokensBody): Promise<string[]> {
  const nodes = (runtime.store.clusterMap?.allNodes() ?? []).filter(
    (node) => node.id !== runtime.id,
  );
  const timeoutMs = runtime.store.config.values.timeouts.control_ms;
  const results = await Promise.allSettled(
    nodes.map((node) =>
      runtime.client.requestJson(`${node.intraUrl}${apiPath(Resource.tokens)}`, {
        method: 'PUT',
        body,
        timeoutMs,
      }),
    ),
  );
  const failed: string[] = [];
  results.forEach((result, index) => {
    if (result.status === 'rejected') {
      const id = nodes[index]?.id ?? '';
      failed.push(id);
      runtime.log.warn('auth state not passed on', { node: id, error: String(result.reason) });
    }
  });
  return failed;
}

function parseState(raw: unknown): ClusterAuthState {
  const state = parseClusterAuthState(raw);
  if (state === undefined)
    throw badRequest('expecting {"revoked": [{"digest", "expires"}], "s3_keys": [...]}');
  return state;
}

function methodNotAllowed(context: RequestContext): StoreError {
  return new StoreError('MethodNotAllowed', `${context.method} /v1/tokens is not supported`);
}
