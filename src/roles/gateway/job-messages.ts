// Reading job arguments from requests: ArgsMsg in action values and query bodies, QueryMsg bodies.
import { readJsonBody, type RequestContext } from '../../api/common/index.js';
import { asRecord } from '../../util/json.js';
import type { JobArgsJson, JobQueryJson } from '../../wire/index.js';
import type { JobSelection } from './job-coordinator.js';

export function jobArgsOf(value: unknown): JobArgsJson {
  return asRecord(value) ?? {};
}

/** Query bodies are bare (AIStore); an action-message wrapper is tolerated too. */
function unwrap(body: unknown): unknown {
  const record = asRecord(body);
  return record !== undefined && 'action' in record && 'value' in record ? record.value : body;
}

/** `what=status|qryxstats` send an ArgsMsg as the GET body (AIStore); `?uuid=` also works. */
export async function readJobArgs(context: RequestContext): Promise<JobArgsJson> {
  const args = jobArgsOf(unwrap(await readJsonBody(context)));
  const uuid = context.query.get('uuid');
  return uuid !== null && args.ID === undefined ? { ...args, ID: uuid } : args;
}

/** `what=status_all|running_all` send a QueryMsg. */
export async function readJobQuery(context: RequestContext): Promise<JobSelection> {
  const query = (asRecord(unwrap(await readJsonBody(context))) ?? {}) as JobQueryJson;
  return { id: query.id, kind: query.kind, bucket: query.bck, onlyRunning: query.show_active };
}
