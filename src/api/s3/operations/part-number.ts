// The `partNumber` query parameter of UploadPart, UploadPartCopy, GetObject and HeadObject: one
// parser, so that every operation accepts and refuses the same texts.
import { StoreError } from '../../../errors/index.js';

/** S3's part numbers run from 1 to 10000. */
export const maxPartNumber = 10_000;

/**
 * A part number: decimal digits only, 1–10000. Leading zeros are read as decimal (`01` is 1), as
 * S3 reads its integer parameters; anything else (empty, a sign, a fraction, out of range) is 400
 * InvalidArgument with S3's text.
 */
export function parsePartNumber(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > maxPartNumber) {
    throw new StoreError(
      'InvalidArgument',
      `Part number must be an integer between 1 and ${maxPartNumber}, inclusive`,
    );
  }
  return value;
}
