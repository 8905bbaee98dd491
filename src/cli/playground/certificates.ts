// `playground start --https`: a throw-away certificate authority and one node certificate for
// 127.0.0.1/localhost, made with `openssl` in DIR/tls, shared by every node of the playground.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
  const file = (name: string): string => join(tlsDir, name);
  const tls: PlaygroundTls = { ca: file('ca.crt'), cert: file('node.crt'), key: file('node.key') };
  const extensions = file('node.ext');
  const steps: string[][] = [
    // The CA: self-signed, may sign certificates.
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file('ca.key'),
      '-out',
      tls.ca,
    ].concat(['-days', String(validDays), '-subj', '/CN=Cairn playground CA']),
    // The nodes' key and signing request.
    [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      tls.key,
      '-out',
      file('node.csr'),
    ].concat(['-subj', '/CN=localhost']),
  ];
  try {
    for (const args of steps) await run('openssl', args);
    // Server and client use: nodes present it to each other with --tls-client-auth.
    await writeFile(
      extensions,
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
    );
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      file('node.csr'),
      '-CA',
      tls.ca,
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      tls.cert,
      '-days',
      String(validDays),
      '-sha256',
      '-extfile',
      extensions,
    ]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CommandError(
      code === 'ENOENT'
        ? '--https needs the openssl command (Debian: apt-get install openssl)'
        : `making the playground's certificates failed: ${(error as Error).message}`,
    );
  }
  return tls;
}

/** What the playground's clients need to trust its nodes (nothing for plain HTTP). */
export async function playgroundTrust(
  tls: PlaygroundTls | undefined,
): Promise<{ caCert?: Buffer }> {
  return tls === undefined ? {} : { caCert: await readFile(tls.ca) };
}
