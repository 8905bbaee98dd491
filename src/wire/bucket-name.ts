// Bucket-name rules, AIStore's (`cmn/bck.go` ValidateName, `cmn/cos` CheckAlphaPlus) with its
// wording: clients and people see the same message from the server, the SDK and the CLI.

/** AIStore's `cos.MaxNameLength`, in bytes (the allowed characters are all one byte). */
export const maxBucketNameLength = 64;

/** The only names that may start with a dot: AIStore's system buckets. */
export const systemBucketNames: readonly string[] = ['.sys-inventory', '.sys-shardidx'];

const onlyPlus = 'may only contain letters, numbers, dashes (-), underscores (_), and dots (.)';

/**
 * Why `name` cannot be a bucket name, in AIStore's words, or undefined when it can be one:
 * `bucket name is missing`; `bucket name is too long: 65 > 64(max length)`;
 * `bucket name is invalid: may only contain ...` (any other character, or `..`);
 * `reserved bucket name ".x" (unknown system bucket)`.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name === '') return 'bucket name is missing';
  const problem = alphaPlusProblem(name, 'bucket name');
  if (problem !== undefined) return problem;
  if (name.startsWith('.') && !systemBucketNames.includes(name)) {
    return `reserved bucket name "${name}" (unknown system bucket)`;
  }
  return undefined;
}

/** AIStore's `CheckAlphaPlus`: letters, digits, `-`, `_`, and `.` but never two dots in a row. */
function alphaPlusProblem(text: string, tag: string): string | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBucketNameLength) {
    return `${tag} is too long: ${bytes} > ${maxBucketNameLength}(max length)`;
  }
  if (!/^[A-Za-z0-9_.-]*$/.test(text) || text.includes('..'))
    return `${tag} is invalid: ${onlyPlus}`;
  return undefined;
}
