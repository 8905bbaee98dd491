// Bucket name rules, checked on every request: AIStore's rules and wording (wire/bucket-name.ts).
import { StoreError } from '../../errors/index.js';
import { bucketNameProblem } from '../../wire/index.js';

/** Throws InvalidBucketName (400) with AIStore's message unless `name` is a valid bucket name. */
export function validateBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem !== undefined) throw new StoreError('InvalidBucketName', problem);
}
