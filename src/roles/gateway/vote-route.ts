// `/v1/vote/init` and `/v1/vote/proxy` (intra-cluster) on a gateway: election requests.
import { readJsonBody } from '../../api/common/index.js';
import { sendValue, type InternalRoute } from '../../api/native/index.js';
import { VotePath, type VoteRequestJson } from '../../cluster/index.js';
import { StoreError, badRequest } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import type { GatewayLeadership } from './leadership.js';

export function voteRoute(leadership: GatewayLeadership): InternalRoute {
  return async (context, segments) => {
    if (context.method !== 'POST')
      throw new StoreError('MethodNotAllowed', '/v1/vote answers POST only');
    const body = asRecord(await readJsonBody(context));
    if (typeof body?.candidate !== 'string' || typeof body.primary !== 'string')
      throw badRequest('vote: expected {"candidate", "primary", "smap_version", ...}');
    const request = body as unknown as VoteRequestJson;
    switch (segments[0]) {
      case VotePath.proxy:
        sendValue(context.res, await leadership.vote(request));
        return;
      case VotePath.init:
        leadership.initElection(request);
        sendValue(context.res, undefined);
        return;
      default:
        throw badRequest(`unknown vote request "${segments[0] ?? ''}"`);
    }
  };
}
