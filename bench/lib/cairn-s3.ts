// Whether the cluster speaks S3 yet (the S3 API lands on its own branch): a signed ListBuckets at
// the gateway's root with the playground keys must answer 200 with S3 XML.
import { signS3Request } from '../../src/cli/bench/drivers/s3-signing.js';

/** The playground's S3 keys. */
export const playgroundS3Keys = { accessKey: 'cairnadmin', secretKey: 'cairnadmin' } as const;

/** Undefined when S3 answers; else why not (for the "not available yet" note). */
export async function s3Unavailable(endpoint: string): Promise<string | undefined> {
  const url = new URL(endpoint);
  const headers = signS3Request(
    { method: 'GET', host: url.host, path: '/', headers: {} },
    {
      accessKeyId: playgroundS3Keys.accessKey,
      secretAccessKey: playgroundS3Keys.secretKey,
      region: 'us-east-1',
    },
  );
  try {
    const response = await fetch(`${url.origin}/`, { headers });
    const text = await response.text();
    if (response.ok && text.includes('ListAllMyBucketsResult')) return undefined;
    return `S3 API not available yet (GET / answered ${response.status})`;
  } catch (error) {
    return `S3 API not available yet (${error instanceof Error ? error.message : String(error)})`;
  }
}
