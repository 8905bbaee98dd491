// GetBatch (`GET /v1/ml/moss[/<bucket>]`, AIStore's `api/apc/ml.go`): the MossReq body naming
// objects, byte ranges and files inside shards, and how the entries of the answer are named.

/** One requested item (MossIn). */
export interface MossInJson {
  objname: string;
  bucket?: string;
  provider?: string;
  /** `provider/@ns/bucket/object`, in place of bucket and provider. */
  uname?: string;
  archpath?: string;
  /** Echoed back (base64: standard or URL-safe). */
  opaque?: string;
  start?: number;
  length?: number;
}

/** The request (MossReq). */
export interface MossReqJson {
  in: MossInJson[];
  /** The answer's archive format (`.tar` when empty). */
  mime?: string;
  /** Continue on error: a miss becomes an empty `__404__/...` entry. */
  coer?: boolean;
  /** Name entries `<objname>` rather than `<bucket>/<objname>`. */
  onob?: boolean;
  /** The body is the archive itself (no multipart with metadata). */
  strm?: boolean;
  coloc?: number;
}

/** The prefix of the entry that stands for a missing item (with `coer`). */
export const missingEntryPrefix = '__404__/';

export const mlPath = { moss: 'moss' } as const;
