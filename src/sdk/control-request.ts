// The one shape of a control-plane call that the client hands its sub-clients (jobs, cluster,
// ETL, dSort): they build paths and messages, the client sends them and maps errors.
import type { ActionMessage } from '../wire/index.js';
import type { OperationLabel } from './errors.js';
import type { BufferedResponse } from './http-exchange.js';

export type ControlRequest = (
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  label: OperationLabel,
  extra?: {
    query?: Record<string, string>;
    message?: ActionMessage | object;
    /** Another node than the endpoint (a target's own API). */
    baseUrl?: string;
    headers?: Record<string, string>;
  },
) => Promise<BufferedResponse>;
