// A `cairn authn` service as a child process for tests, with an admin token at hand.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cairnEntry } from './node-process.js';

export const authnAdminPassword = 'admin-password-for-tests';

export class AuthnProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(
    dir: string,
    secret: string,
    /** `args`: more flags (`--https --tls-cert ...`). */
    options: { firstStart?: boolean; args?: readonly string[] } = {},
  ): Promise<AuthnProcess> {
    const admin =
      options.firstStart === false ? {} : { CAIRN_AUTHN_ADMIN_PASSWORD: authnAdminPassword };
    const child = spawn(
      process.execPath,
      [
        ...[cairnEntry, 'authn', '--dir', dir, '--port', '0', '--push-interval', '2000'],
        ...(options.args ?? []),
      ],
      {
        env: { ...withoutAdminPassword(process.env), CAIRN_AUTHN_SECRET: secret, ...admin },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    child.on('error', () => undefined);
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('authn did not start in 60 s')), 60_000);
      child.once('exit', (code) => reject(new Error(`authn exited with ${code}`)));
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        try {
          const ready = JSON.parse(line) as { event?: string; publicUrl?: string };
          if (ready.event === 'ready' && ready.publicUrl !== undefined) {
            clearTimeout(timer);
            resolve(ready.publicUrl);
          }
        } catch {
          // not the ready line
        }
      });
    });
    return new AuthnProcess(child, url);
  }

  /** `POST /v1/users/<name>` → the token (expiresInSeconds: the login's own lifetime). */
  async login(name: string, password: string, expiresInSeconds?: number): Promise<string> {
    const response = await fetch(`${this.url}/v1/users/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        password,
        ...(expiresInSeconds === undefined ? {} : { expires_in: expiresInSeconds * 1e9 }),
      }),
    });
    if (!response.ok) throw new Error(`login ${name}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { token: string }).token;
  }

  /** An admin request to the service; returns the parsed answer (undefined when empty). */
  async admin(method: string, path: string, token: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }

  /** Resolves once the process is gone. */
  exited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}

function withoutAdminPassword(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.CAIRN_AUTHN_ADMIN_PASSWORD;
  return copy;
}
