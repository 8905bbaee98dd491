// `playground start --https`: a throw-away certificate authority and one node certificate for
// 127.0.0.1/localhost, made with `openssl` in DIR/tls, shared by every node of the playground.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CommandError } from '../cli-errors.js';

const run = promisify(execFile);

/** Where a playground's TLS files are. */
export interface PlaygroundTls {
  ca: string;
  cert: string;
  key: string;
}

/** The CA's and the nodes' certificates live this long. */
const validDays = 30;

export async function makePlaygroundCertificates(dir: string): Promise<PlaygroundTls> {
  const tlsDir = join(dir, 'tls');
  await mkdir(tlsDir, { recursive: true, mode: 0o700 });
  const tls: PlaygroundTls = {
    ca: join(tlsDir, 'ca.crt'),
    cert: join(tlsDir, 'node.crt'),
    key: join(tlsDir, 'node.key'),
  };
  // The CA: self-signed, may sign certificates.
  await openssl([
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tlsDir, 'ca.key')],
    ...['-out', tls.ca, '-days', String(validDays), '-subj', '/CN=Cairn playground CA'],
  ]);
  await signNodeCertificate(tlsDir, tls);
  return tls;
}

/**
 * A new key and node certificate for 127.0.0.1/localhost signed by the CA in `tlsDir`, renamed
 * into `into` (key first, then certificate: a renewal as certificate tools do it). Server and
 * client use: nodes present it to each other with --tls-client-auth.
 */
export async function signNodeCertificate(
  tlsDir: string,
  into: { cert: string; key: string },
  days = validDays,
): Promise<void> {
  const work = join(tlsDir, `node-${randomBytes(4).toString('hex')}`);
  await writeFile(
    `${work}.ext`,
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  await openssl([
    ...['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${work}.key`],
    ...['-out', `${work}.csr`, '-subj', '/CN=localhost'],
  ]);
  await openssl([
    ...['x509', '-req', '-in', `${work}.csr`, '-CA', join(tlsDir, 'ca.crt')],
    ...['-CAkey', join(tlsDir, 'ca.key'), '-CAcreateserial', '-out', `${work}.crt`],
    ...['-days', String(days), '-sha256', '-extfile', `${work}.ext`],
  ]);
  await rename(`${work}.key`, into.key);
  await rename(`${work}.crt`, into.cert);
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CommandError(
      code === 'ENOENT'
        ? '--https needs the openssl command (Debian: apt-get install openssl)'
        : `making the playground's certificates failed: ${(error as Error).message}`,
    );
  }
}

/** What the playground's clients need to trust its nodes (nothing for plain HTTP). */
export async function playgroundTrust(
  tls: PlaygroundTls | undefined,
): Promise<{ caCert?: Buffer }> {
  return tls === undefined ? {} : { caCert: await readFile(tls.ca) };
}
