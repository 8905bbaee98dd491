// GetBatch (`GET /v1/ml/moss[/<bucket>]`, AIStore's `api/apc/ml.go`): the MossReq body naming
// objects, byte ranges and files inside shards, and how the entries of the answer are named.

/** One requested item (MossIn). */
export interface MossInJson {
  /** Required unless `uname` names the object. */
  objname?: string;
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

/** One item of the answer's metadata (MossOut), in request order. */
export interface MossOutJson {
  objname: string;
  archpath?: string;
  bucket: string;
  provider: string;
  /** Why the item is a `__404__/` entry (with `coer`). */
  err_msg?: string;
  /** The request's `opaque`, echoed (standard base64). */
  opaque?: string;
  /** The entry's size in the archive. */
  size: number;
}

/** The metadata part of a multipart answer (MossResp). */
export interface MossRespJson {
  uuid: string;
  out: MossOutJson[];
}

/**
 * The multipart answer (`strm` false, AIStore's `api/ml.go`): `multipart/mixed` with the form
 * field `metadata` (MossResp JSON) then the form file `archive` named `get-batch[<xid>]`, as Go's
 * multipart writer frames them.
 */
export const batchMultipart = {
  metadataField: 'metadata',
  archiveField: 'archive',
  archiveFileName: (xid: string): string => `get-batch[${xid}]`,
} as const;

/** The framing around the two parts of a multipart answer with `boundary`. */
export function batchMultipartFraming(
  boundary: string,
  xid: string,
  metadata: MossRespJson,
): { contentType: string; head: string; tail: string } {
  const { metadataField, archiveField, archiveFileName } = batchMultipart;
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="${metadataField}"\r\n\r\n` +
    `${JSON.stringify(metadata)}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="${archiveField}"; ` +
    `filename="${archiveFileName(xid)}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return {
    contentType: `multipart/mixed; boundary=${boundary}`,
    head,
    tail: `\r\n--${boundary}--\r\n`,
  };
}
