// The `archive` action's value (AIStore's ArchiveBckMsg, `cmn/api.go` + `api/apc/multiobj.go`):
// a shard made of listed or range-templated objects of the source bucket.
import type { BucketJson } from '../bucket.js';

export interface ArchiveBckMsgJson {
  /** Destination bucket (the source when absent). */
  tobck?: BucketJson;
  /** The shard's name: it must end in a supported extension. */
  archname: string;
  mime?: string;
  objnames?: string[];
  template?: string;
  /** Store base names only. */
  bnonly?: boolean;
  /** Prefix each entry with `<source bucket>/`. */
  isbn?: boolean;
  /** Append to an existing shard. */
  aate?: boolean;
  /** Continue on error (missing objects are skipped). */
  coer?: boolean;
  'non-recurs'?: boolean;
}
