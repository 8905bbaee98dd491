// ETL as local transformer processes: the control API (gateways) and transformers (targets).
export { EtlControl, type EtlControlEnvironment } from './etl-control.js';
export { TargetEtl } from './target-etl.js';
export type { EtlTargetEnvironment } from './target-etl-environment.js';
export { startTransformerEndpoint, type TransformerEndpoint } from './transformer-endpoint.js';
export {
  checkEtlJob,
  etlJobDefinitions,
  etlJobKinds,
  parseEtlJobOptions,
  type EtlJobKind,
} from './etl-jobs.js';
