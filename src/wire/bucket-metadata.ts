// Bucket metadata (BMD) JSON: `{"providers": {provider: {nsUname: {bucket: props}}}, uuid, version}`.
import type { BucketPropsJson } from './bucket-props.js';

export interface BucketMetadataJson {
  providers: Record<string, Record<string, Record<string, BucketPropsJson>>>;
  uuid: string;
  /** Integer as a string, monotonically increasing. */
  version: string;
}
