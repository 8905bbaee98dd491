// What the remote-bucket tests share: s3rver behind a counting, failing proxy as the aws://
// remote, a cluster whose `local` backend profile points at the proxy, and requests that follow
// redirects and read error messages.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { RemoteProxy } from '../harness/remote-proxy.js';
import { S3rverProcess, s3rverCredentials } from '../harness/s3rver.js';
import { TestCluster, type TestClusterOptions } from '../harness/test-cluster.js';

export interface RemoteSetup {
  dir: string;
  s3: S3rverProcess;
  proxy: RemoteProxy;
  cluster: TestCluster;
  /** A client of s3rver itself (behind Cairn's back). */
  direct: S3Client;
  stop(): Promise<void>;
}

/** s3rver, the proxy in front of it, and a cluster configured to reach it as profile `local`. */
export async function startRemoteSetup(options: TestClusterOptions): Promise<RemoteSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-remote-'));
  const parts: Partial<RemoteSetup> = { dir };
  const stop = async (): Promise<void> => {
    parts.direct?.destroy();
    await parts.cluster?.destroy();
    await parts.proxy?.stop();
    await parts.s3?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const s3 = (parts.s3 = await S3rverProcess.start(join(dir, 's3rver')));
    const proxy = (parts.proxy = await RemoteProxy.start(s3.endpoint));
    parts.direct = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: {
        accessKeyId: s3rverCredentials.accessKey,
        secretAccessKey: s3rverCredentials.secretKey,
      },
    });
    const profiles = {
      local: {
        endpoint: proxy.endpoint,
        access_key_id: s3rverCredentials.accessKey,
        secret_access_key: s3rverCredentials.secretKey,
      },
    };
    parts.cluster = await TestCluster.start({
      ...options,
      config: {
        ...options.config,
        'backend.aws_profiles': JSON.stringify(profiles),
        'backend.request_timeout_ms': 3000,
        'backend.max_attempts': 1,
      },
    });
    return { ...(parts as Omit<RemoteSetup, 'stop'>), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function createRemoteBucket(setup: RemoteSetup, name: string): Promise<void> {
  await setup.direct.send(new CreateBucketCommand({ Bucket: name }));
  await setup.cluster
    .client(0)
    .createBucket({ name, provider: 'aws' }, { extra: { aws: { profile: 'local' } } });
}

/** An object URL on the primary gateway (fetch follows the redirect to the owning target). */
export function objectUrl(setup: RemoteSetup, bucket: string, name: string): string {
  return `${setup.cluster.primary.publicUrl}/v1/objects/${bucket}/${name}?provider=aws`;
}

/** The `message` of a native error answer (body, or the Hdr-Error header of a HEAD). */
export async function errorMessage(response: Response): Promise<string> {
  const text = (await response.text()) || (response.headers.get('hdr-error') ?? '');
  try {
    return (JSON.parse(text) as { message: string }).message;
  } catch {
    return text;
  }
}
