// The cluster's master key for SSE-S3: 32 bytes read once at start from a file every target shares
// (node config `sseMasterKeyFile`, default below), as 64 hex digits, base64, or 32 raw bytes. It
// only ever seals and unseals object keys; it is never logged nor sent anywhere. The SSE-KMS keys of
// the cluster's key store (cluster config `s3.kms.keys`) are derived from it and their key ID
// (HKDF-SHA256), as MinIO's built-in KMS derives its keys from one secret: no KMS key is stored.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { StoreError, hasErrnoCode } from '../errors/index.js';

/** AES-256: the master key's length. */
const masterKeyBytes = 32;

/** Where a target looks for the master key when its config names no file. */
export const defaultMasterKeyFile = '/etc/cairn/sse-master.key';

export class MasterKey {
  readonly #key: Buffer | undefined;

  constructor(
    key: Buffer | undefined,
    /** The file it was (or would have been) read from, for the refusal's message. */
    readonly source: string,
  ) {
    this.#key = key;
  }

  get available(): boolean {
    return this.#key !== undefined;
  }

  /** The key; SSE-S3 without one is refused with 501 (as MinIO answers without a KMS). */
  get(): Buffer {
    if (this.#key === undefined) {
      throw new StoreError(
        'NotImplemented',
        `server-side encryption with SSE-S3 needs the cluster's master key: none at ${this.source} (node config sseMasterKeyFile)`,
      );
    }
    return this.#key;
  }

  /** The SSE-KMS key of a key ID (the caller checks that the ID is one the cluster lists). */
  kmsKey(keyId: string): Buffer {
    if (this.#key === undefined) {
      throw new StoreError(
        'NotImplemented',
        `server-side encryption with SSE-KMS needs the cluster's master key: none at ${this.source} (node config sseMasterKeyFile)`,
      );
    }
    // HKDF-SHA256 (RFC 5869), empty salt, one block of output (32 bytes = one SHA-256 digest);
    // written out with HMAC because crypto.hkdf is callback-only or Sync, and this is on a request.
    const pseudoRandomKey = createHmac('sha256', Buffer.alloc(32)).update(this.#key).digest();
    return createHmac('sha256', pseudoRandomKey)
      .update(`cairn-sse-kms ${keyId}`)
      .update(Buffer.from([1]))
      .digest();
  }
}

/**
 * Reads the master key. A missing file leaves SSE-S3 unavailable when the file is the default; a
 * file named in the config must exist. A file of another form is refused either way.
 */
export async function loadMasterKey(file: string | undefined): Promise<MasterKey> {
  const path = file ?? defaultMasterKeyFile;
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if (file === undefined && hasErrnoCode(error, 'ENOENT', 'ENOTDIR'))
      return new MasterKey(undefined, path);
    throw new StoreError('BadRequest', `SSE master key file ${path}: ${(error as Error).message}`);
  }
  return new MasterKey(parseMasterKey(bytes, path), path);
}

function parseMasterKey(bytes: Buffer, path: string): Buffer {
  if (bytes.length === masterKeyBytes) return bytes;
  const text = bytes.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length === masterKeyBytes && decoded.toString('base64') === text) return decoded;
  throw new StoreError(
    'BadRequest',
    `SSE master key file ${path}: expected 32 bytes (64 hex digits, base64, or raw)`,
  );
}
