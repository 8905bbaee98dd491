// An s3rver process (the npm fake S3 server) on a free loopback port: the third-party S3 endpoint
// for testing `cairn bench --s3` and the yardstick of the S3 benchmark. Credentials S3RVER/S3RVER.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { waitFor } from './wait.js';

export const s3rverCredentials = { accessKey: 'S3RVER', secretKey: 'S3RVER' } as const;

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class S3rverProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly endpoint: string,
  ) {}

  /** Starts s3rver storing under `directory` and waits until it answers. */
  static async start(directory: string): Promise<S3rverProcess> {
    await mkdir(directory, { recursive: true });
    const packageJson = createRequire(import.meta.url).resolve('s3rver/package.json');
    const script = join(dirname(packageJson), 'bin', 's3rver.js');
    const port = await freePort();
    // s3rver encrypts listing continuation tokens with DES, which OpenSSL 3 keeps in its legacy
    // provider: without it every second listing page is a 500.
    const args = [
      '--openssl-legacy-provider',
      script,
      '-d',
      directory,
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '--silent',
    ];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const server = new S3rverProcess(child, `http://127.0.0.1:${port}`);
    try {
      await waitFor(`s3rver on port ${port}`, 20_000, async () => {
        const response = await fetch(server.endpoint);
        await response.arrayBuffer();
        return true;
      });
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }
}
