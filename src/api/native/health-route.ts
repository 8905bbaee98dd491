// `GET /v1/health`: readiness as AIStore's clients and probes read it (200 only when the node can
// serve data; 503 with the reason otherwise), and `?live=true` for liveness (the process answers).
import { Query } from '../../wire/index.js';
import { sendJsonAnswer } from '../common/error-response.js';
import type { RequestContext } from '../common/request-context.js';
import type { ClusterPort } from './ports.js';

export async function handleHealthRequest(
  context: RequestContext,
  port: ClusterPort,
): Promise<void> {
  const { res } = context;
  if (context.query.get(Query.live) === 'true') {
    res.statusCode = 200;
    res.end();
    return;
  }
  const notReady = await port.notReadyReason();
  if (notReady === undefined) {
    res.statusCode = 200;
    res.end();
    return;
  }
  const text = JSON.stringify({ ready: false, reason: notReady, node: context.nodeId });
  sendJsonAnswer(context, 503, text);
}
