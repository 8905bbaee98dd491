// ETL errors with the words AIStore's clients parse: on 404 and 409, "etl job" in the message
// marks an ETL error (python/aistore/sdk/response_handler.py).
import { StoreError } from '../errors/index.js';

export function etlNotFound(name: string): StoreError {
  return new StoreError('JobNotFound', `etl job "${name}" does not exist`);
}

export function etlExists(name: string): StoreError {
  return new StoreError('Conflict', `etl job "${name}" already exists`);
}

export function etlWrongStage(name: string, stage: string, wanted: string): StoreError {
  return new StoreError('Conflict', `etl job "${name}" is ${stage}: it must be ${wanted}`);
}

/** The transformer is (re)starting or gone: the request may be retried (503). */
export function etlUnavailable(name: string, why: string): StoreError {
  return new StoreError('TransformerUnavailable', `etl job "${name}": ${why}`);
}

/** The transformer answered an error or broke off (502). */
export function transformFailed(name: string, why: string): StoreError {
  return new StoreError('TransformFailed', `etl job "${name}": ${why}`);
}

/** The transformer did not answer within `obj_timeout` (504). */
export function transformTimedOut(name: string, timeoutMs: number): StoreError {
  return new StoreError(
    'TransformTimeout',
    `etl job "${name}": no answer from the transformer within obj_timeout (${timeoutMs} ms)`,
  );
}
