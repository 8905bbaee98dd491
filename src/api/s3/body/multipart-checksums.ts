// The additional checksum of a completed multipart object, as S3 makes it: composite (the checksum
// of the part checksums, `-<parts>` appended) unless the upload was created with
// `x-amz-checksum-type: FULL_OBJECT` (or CRC64NVME, which has no composite form), then the CRC of the
// whole object combined from the parts'. The completion's own `x-amz-checksum-*` header is checked
// against it before the object becomes visible.
import { StoreError } from '../../../errors/index.js';
import {
  checksumAlgorithms,
  compositeChecksum,
  fullObjectChecksum,
  hasCompositeForm,
  hasFullObjectForm,
  isChecksumAlgorithm,
  parseChecksumAlgorithm,
  type ChecksumAlgorithm,
  type MultipartChecksumType,
} from './checksum-algorithms.js';

/** The checksum an upload was created with (`x-amz-checksum-algorithm` and `-type`). */
export interface S3UploadChecksum {
  algorithm: ChecksumAlgorithm;
  type: MultipartChecksumType;
}

/** A completed part as the combination needs it. */
export interface ChecksummedPart {
  number: number;
  sizeBytes: number;
  extraChecksums: Record<string, string>;
}

/** The checksum a CreateMultipartUpload asks for, refused as S3 refuses impossible pairs. */
export function parseUploadChecksum(
  algorithmHeader: string | undefined,
  typeHeader: string | undefined,
): S3UploadChecksum | undefined {
  const type = typeHeader?.toUpperCase();
  if (type !== undefined && type !== 'COMPOSITE' && type !== 'FULL_OBJECT') {
    throw new StoreError('InvalidRequest', `Value for x-amz-checksum-type header is invalid.`);
  }
  if (algorithmHeader === undefined) {
    if (type === undefined) return undefined;
    throw new StoreError(
      'InvalidRequest',
      'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.',
    );
  }
  const algorithm = parseChecksumAlgorithm(algorithmHeader);
  const chosen = type ?? (hasCompositeForm(algorithm) ? 'COMPOSITE' : 'FULL_OBJECT');
  const possible =
    chosen === 'COMPOSITE' ? hasCompositeForm(algorithm) : hasFullObjectForm(algorithm);
  if (!possible) {
    throw new StoreError(
      'InvalidRequest',
      `The ${chosen} checksum type cannot be used with the ${algorithm} checksum algorithm.`,
    );
  }
  return { algorithm, type: chosen };
}

/** The upload's checksum as the chunk manifest keeps it (strings), read back. */
export function uploadChecksumOf(
  stored: { algorithm: string; type: MultipartChecksumType } | undefined,
): S3UploadChecksum | undefined {
  if (stored === undefined || !isChecksumAlgorithm(stored.algorithm)) return undefined;
  return { algorithm: stored.algorithm, type: stored.type };
}

/**
 * The object's checksums from its parts'. With a declared checksum every part must carry it and
 * the object gets that one in the declared form; without, each algorithm all parts carry gets its
 * composite. `expected`: the completion's `x-amz-checksum-*` values, verified here.
 */
export async function combinePartChecksums(
  parts: readonly ChecksummedPart[],
  declared: S3UploadChecksum | undefined,
  expected: Record<string, string> = {},
): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  if (declared !== undefined) {
    const { algorithm } = declared;
    const missing = parts.find((part) => part.extraChecksums[algorithm] === undefined);
    if (missing !== undefined) {
      throw new StoreError(
        'InvalidRequest',
        `The upload was created using a ${algorithm.toUpperCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${missing.number} in the request.`,
      );
    }
    const values = parts.map((part) => ({
      value: part.extraChecksums[algorithm] ?? '',
      sizeBytes: part.sizeBytes,
    }));
    result[algorithm] =
      declared.type === 'FULL_OBJECT'
        ? fullObjectChecksum(algorithm, values)
        : await compositeChecksum(
            algorithm,
            values.map((part) => part.value),
          );
  } else {
    for (const algorithm of checksumAlgorithms) {
      const values = parts.map((part) => part.extraChecksums[algorithm]);
      if (parts.length === 0 || !hasCompositeForm(algorithm)) continue;
      if (values.some((value) => value === undefined)) continue;
      result[algorithm] = await compositeChecksum(algorithm, values as string[]);
    }
  }
  for (const [algorithm, value] of Object.entries(expected)) {
    const computed = result[algorithm];
    if (computed === undefined) {
      throw new StoreError(
        'InvalidRequest',
        `The upload was not created with a ${algorithm.toUpperCase()} checksum, so the complete request cannot check one.`,
      );
    }
    // A composite value may be sent with or without its part count.
    if (withoutPartCount(value) !== withoutPartCount(computed)) {
      throw new StoreError(
        'ChecksumMismatch',
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
      );
    }
  }
  return result;
}

function withoutPartCount(value: string): string {
  const dash = value.indexOf('-');
  return dash === -1 ? value : value.slice(0, dash);
}
