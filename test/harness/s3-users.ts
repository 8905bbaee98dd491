// A cluster with AuthN on and S3 users who may only create and list buckets: anything on a bucket
// or object comes from ownership, ACLs and policies. Shared by the S3 access-control tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AuthnProcess, authnAdminPassword } from './authn-process.js';
import { TestCluster } from './test-cluster.js';
import { waitFor } from './wait.js';
import { accessKey, region, secretKey } from './s3-setup.js';

const secret = 'a-shared-secret-for-the-access-tests';

export class S3UsersCluster {
  private constructor(
    readonly cluster: TestCluster,
    private readonly authn: AuthnProcess,
    private readonly dir: string,
    /** An SDK client per user, and `admin` (the cluster's own key pair). */
    readonly clients: Record<string, S3Client>,
  ) {}

  /** Starts the cluster and AuthN; `users` sign with keys of their own, each has `<user>@example.com`. */
  static async start(users: readonly string[]): Promise<S3UsersCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-s3-users-'));
    const cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 1 });
    const clients: Record<string, S3Client> = {};
    const client = (accessKeyId: string, secretAccessKey: string): S3Client =>
      new S3Client({
        endpoint: cluster.primary.publicUrl,
        region,
        forcePathStyle: true,
        credentials: { accessKeyId, secretAccessKey },
        maxAttempts: 1,
      });
    let authn: AuthnProcess | undefined;
    try {
      authn = await AuthnProcess.start(join(dir, 'authn'), secret);
      await cluster.setConfig({ 'auth.enabled': true, 'auth.secret': secret });
      const smap = (await (
        await fetch(`${cluster.primary.publicUrl}/v1/daemon?what=smap`)
      ).json()) as { uuid: string };
      const token = await authn.login('admin', authnAdminPassword);
      await authn.admin('POST', '/v1/clusters', token, {
        id: smap.uuid,
        alias: 'c1',
        urls: [cluster.primary.publicUrl],
      });
      for (const id of users) {
        await authn.admin('POST', '/v1/users', token, {
          id,
          pass: `${id}-pass`,
          email: `${id}@example.com`,
          clusters: [{ id: smap.uuid, perm: 'CREATE-BUCKET,LIST-BUCKETS' }],
        });
        const key = (await authn.admin('POST', '/v1/s3-keys', token, { user: id })) as {
          access_key: string;
          secret_key: string;
        };
        clients[id] = client(key.access_key, key.secret_key);
      }
      clients.admin = client(accessKey, secretKey);
      const probe = users[users.length - 1] ?? 'admin';
      // Every gateway knows the keys once the AuthN service pushed them.
      await waitFor('S3 keys pushed', 60_000, async () => {
        try {
          await clients[probe]?.send(new CreateBucketCommand({ Bucket: `${probe}-probe` }));
          return true;
        } catch {
          return false;
        }
      });
    } catch (error) {
      for (const made of Object.values(clients)) made.destroy();
      authn?.stop();
      await cluster.destroy();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return new S3UsersCluster(cluster, authn, dir, clients);
  }

  /** A token of AuthN's admin, for native API calls. */
  adminToken(): Promise<string> {
    return this.authn.login('admin', authnAdminPassword);
  }

  async destroy(): Promise<void> {
    for (const client of Object.values(this.clients)) client.destroy();
    this.authn.stop();
    await this.cluster.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}
