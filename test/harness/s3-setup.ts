// S3 client set-up for tests: the AWS SDK pointed at a cluster's gateway with the default key pair,
// and temporary config files for the command-line clients (s3cmd, rclone, aws).
import assert from 'node:assert/strict';
import { S3Client } from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

export const accessKey = 'cairnadmin';
export const secretKey = 'cairnadmin';
export const region = 'us-east-1';

/** An SDK client for `endpoint` (path style unless told otherwise). */
export function sdkClient(
  endpoint: string,
  options: { virtualHosted?: boolean; secret?: string } = {},
): S3Client {
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: options.virtualHosted !== true,
    credentials: { accessKeyId: accessKey, secretAccessKey: options.secret ?? secretKey },
    maxAttempts: 1,
  });
}

/** Writes config files for s3cmd, rclone and the aws cli under `dir`; returns how to use them. */
export async function writeClientConfigs(
  dir: string,
  endpoint: string,
): Promise<{ s3cmd: string[]; rclone: string[]; awsEnv: NodeJS.ProcessEnv }> {
  const url = new URL(endpoint);
  const s3cmdConfig = join(dir, 's3cmd.cfg');
  await writeFile(
    s3cmdConfig,
    [
      '[default]',
      `access_key = ${accessKey}`,
      `secret_key = ${secretKey}`,
      `host_base = ${url.host}`,
      `host_bucket = ${url.host}`,
      'use_https = False',
      'signature_v2 = False',
      `bucket_location = ${region}`,
      'multipart_chunk_size_mb = 15',
      '',
    ].join('\n'),
  );
  const rcloneConfig = join(dir, 'rclone.conf');
  await writeFile(
    rcloneConfig,
    [
      '[cairn]',
      'type = s3',
      'provider = Other',
      `access_key_id = ${accessKey}`,
      `secret_access_key = ${secretKey}`,
      `endpoint = ${endpoint}`,
      `region = ${region}`,
      'force_path_style = true',
      '',
    ].join('\n'),
  );
  const awsConfig = join(dir, 'aws-config');
  await writeFile(awsConfig, `[default]\nregion = ${region}\ns3 =\n  addressing_style = path\n`);
  const awsEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_ACCESS_KEY_ID: accessKey,
    AWS_SECRET_ACCESS_KEY: secretKey,
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials-none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  return {
    s3cmd: ['-c', s3cmdConfig],
    rclone: ['--config', rcloneConfig],
    awsEnv,
  };
}

export const mib = 1024 * 1024;
export const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

export async function bodyBytes(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The S3 error name (code) and HTTP status an SDK call failed with. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ name: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    const typed = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: typed.name, status: typed.$metadata?.httpStatusCode ?? 0 };
  }
  throw new Error('expected the call to fail');
}

/** Asserts that an SDK call fails with the S3 error `code` and HTTP `status`. */
export async function refused(
  promise: Promise<unknown>,
  code: string,
  status: number,
): Promise<void> {
  assert.deepEqual(await failure(promise), { name: code, status });
}
