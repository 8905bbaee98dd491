// HTTPS end to end: a cluster whose every port serves TLS with certificates from a test CA, intra
// ports that require the nodes' client certificate, the SDK, the CLI and an S3 client over HTTPS,
// an ETL transformer reading its objects, the AuthN service over HTTPS, curl and the aws cli, and
// certificates reloaded without a restart (on request, under load with no failed request, and
// when the files change), a bad file keeping the previous certificate in use.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  Agent,
  fetch as undiciFetch,
  getGlobalDispatcher,
  request,
  setGlobalDispatcher,
  type Dispatcher,
} from 'undici';
import { Client } from '../../src/sdk/index.js';
import {
  makePlaygroundCertificates,
  signNodeCertificate,
  type PlaygroundTls,
} from '../../src/cli/playground/certificates.js';
import { AuthnProcess, authnAdminPassword } from '../harness/authn-process.js';
import { cairnEntry } from '../harness/node-process.js';
import { writeTransformers } from '../etl/transformers.js';
import { accessKey, region, secretKey } from '../harness/s3-setup.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const run = promisify(execFile);
let dir = '';
let tls: PlaygroundTls;
let ca: Buffer;
let cluster: TestCluster;
let client: Client;
let previousDispatcher: Dispatcher;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-tls-test-'));
  tls = await makePlaygroundCertificates(dir);
  ca = await readFile(tls.ca);
  // The harness polls nodes with fetch: trust the test CA (and present the nodes' certificate).
  previousDispatcher = getGlobalDispatcher();
  setGlobalDispatcher(new Agent({ connect: { ca } }));
  cluster = await TestCluster.start({
    proxies: 1,
    targets: 2,
    mountpaths: 1,
    nodeArgs: [
      ...['--https', '--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-ca', tls.ca],
      '--tls-client-auth',
    ],
  });
  client = new Client(cluster.primary.publicUrl, { caCert: ca });
  await client.createBucket({ name: 'secure', provider: 'ais' });
});

after(async () => {
  await client?.close();
  await cluster?.destroy();
  setGlobalDispatcher(previousDispatcher);
  await rm(dir, { recursive: true, force: true });
});

/** The serial number of the certificate `url` presents in a new handshake. */
async function servedSerial(url: string, present = false): Promise<string> {
  const { hostname, port } = new URL(url);
  const [cert, key] = present ? await Promise.all([readFile(tls.cert), readFile(tls.key)]) : [];
  return await new Promise((resolve, reject) => {
    const socket = connect({
      host: hostname,
      port: Number(port),
      ca,
      ...(present ? { cert, key } : {}),
    });
    socket.once('secureConnect', () => {
      resolve(serialOf(socket.getPeerCertificate().serialNumber));
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/** Signs a fresh node certificate with the test CA into `cert`/`key` (a renewal). */
async function renewCertificate(into: { cert: string; key: string }): Promise<string> {
  await signNodeCertificate(join(dir, 'tls'), into, 5);
  const { stdout } = await run('openssl', ['x509', '-in', into.cert, '-noout', '-serial']);
  return serialOf(stdout.trim().replace(/^serial=/, ''));
}

/** Serial numbers compared as OpenSSL and Node print them (hex, case and leading zeros aside). */
function serialOf(hex: string): string {
  return hex.toUpperCase().replace(/^0+/, '');
}

test('every node advertises and serves HTTPS; objects round-trip direct and through the gateway', async () => {
  const map = await client.clusterMap({ refresh: true });
  const nodes = [...Object.values(map.pmap), ...Object.values(map.tmap)];
  assert.equal(nodes.length, 3);
  for (const node of nodes) {
    assert.match(node.public_net.direct_url, /^https:\/\//);
    assert.match(node.intra_control_net.direct_url, /^https:\/\//);
  }
  const body = randomBytes(2 * 1024 * 1024 + 7);
  await client.putObject({ name: 'secure', provider: 'ais' }, 'direct.bin', body);
  assert.deepEqual(
    await client.getObjectBytes({ name: 'secure', provider: 'ais' }, 'direct.bin'),
    body,
  );
  const viaGateway = new Client(cluster.primary.publicUrl, { caCert: ca, direct: false });
  try {
    await viaGateway.putObject({ name: 'secure', provider: 'ais' }, 'redirected.bin', body);
    assert.deepEqual(
      await viaGateway.getObjectBytes({ name: 'secure', provider: 'ais' }, 'redirected.bin'),
      body,
    );
  } finally {
    await viaGateway.close();
  }
});

test('a client that does not trust the CA is refused with the TLS reason; plain HTTP gets no answer', async () => {
  const untrusting = new Client(cluster.primary.publicUrl, {});
  try {
    await assert.rejects(untrusting.clusterMap({ refresh: true }), /certificate/);
  } finally {
    await untrusting.close();
  }
  const plain = cluster.primary.publicUrl.replace(/^https:/, 'http:');
  await assert.rejects(fetch(`${plain}/v1/health`, { signal: AbortSignal.timeout(5000) }));
  // --insecure accepts any certificate.
  const insecure = new Client(cluster.primary.publicUrl, { insecure: true });
  try {
    assert.equal(Object.keys((await insecure.clusterMap({ refresh: true })).tmap).length, 2);
  } finally {
    await insecure.close();
  }
});

test('intra-cluster ports require the nodes client certificate; the public port does not', async () => {
  const map = await client.clusterMap({ refresh: true });
  const target = Object.values(map.tmap)[0];
  assert.ok(target !== undefined);
  const intra = target.intra_control_net.direct_url;
  // Without a client certificate the request fails (TLS 1.3 reports it after the handshake).
  await assert.rejects(
    fetch(`${intra}/v1/daemon?what=snode`, { signal: AbortSignal.timeout(10_000) }),
    (error: Error) => error.name !== 'AssertionError',
  );
  const withCert = new Agent({
    connect: { ca, cert: await readFile(tls.cert), key: await readFile(tls.key) },
  });
  try {
    const response = await request(`${intra}/v1/daemon?what=snode`, { dispatcher: withCert });
    assert.equal(response.statusCode, 200);
    const snode = (await response.body.json()) as { daemon_id: string };
    assert.equal(snode.daemon_id, target.daemon_id);
  } finally {
    await withCert.close();
  }
  assert.ok((await servedSerial(target.public_net.direct_url)).length > 0);
});

test('an S3 client over HTTPS (AWS SDK v3 with the CA) writes and reads', async () => {
  const s3 = new S3Client({
    endpoint: cluster.primary.publicUrl,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    maxAttempts: 1,
    requestHandler: { httpsAgent: new HttpsAgent({ ca }) },
  });
  try {
    const body = randomBytes(300_000);
    await s3.send(new PutObjectCommand({ Bucket: 'secure', Key: 's3/one', Body: body }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'secure', Key: 's3/one' }));
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body);
  } finally {
    s3.destroy();
  }
});

test('an hpull transformer reads its objects from a target that requires client certificates', async () => {
  const files = await writeTransformers(dir);
  const bucket = { name: 'secure', provider: 'ais' };
  await client.etl.init({
    name: 'md5-tls',
    communication: 'hpull://',
    runtime: { command: ['python3', '-u', files.pythonMd5] },
  });
  try {
    const body = randomBytes(200_000);
    await client.putObject(bucket, 'etl/in', body);
    // The target redirects to its transformer, which GETs the object from AIS_TARGET_URL.
    const response = await fetch(
      `${cluster.primary.publicUrl}/v1/objects/secure/etl/in?etl_name=md5-tls`,
    );
    const text = await response.text();
    assert.equal(response.status, 200, text);
    assert.equal(text, createHash('md5').update(body).digest('hex'));
  } finally {
    await client.etl.stop('md5-tls');
  }
});

test('the AuthN service serves HTTPS: the CLI trusts it with --ca-cert; it pushes to the HTTPS cluster', async () => {
  const authn = await AuthnProcess.start(join(dir, 'authn'), 'a-shared-secret-for-the-tls-test', {
    args: ['--https', '--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-ca', tls.ca],
  });
  try {
    assert.match(authn.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const tokenFile = join(dir, 'cli-auth.token');
    const env = {
      ...process.env,
      CAIRN_AUTHN_URL: authn.url,
      CAIRN_AUTHN_TOKEN_FILE: tokenFile,
      CAIRN_AUTHN_TOKEN: '',
      CAIRN_AUTHN_PASSWORD: authnAdminPassword,
      CAIRN_CA_CERT: '',
    };
    const login = (...flags: string[]) =>
      run(process.execPath, [cairnEntry, ...flags, 'auth', 'login', 'admin'], { env });
    await assert.rejects(login(), (error: Error & { stderr?: string }) => {
      assert.match(error.stderr ?? '', /certificate/i);
      return true;
    });
    await login('--ca-cert', tls.ca);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    // Registered with its HTTPS gateway, the cluster gets every new S3 key at once.
    const { uuid } = await client.clusterMap({ refresh: true });
    const urls = [cluster.primary.publicUrl];
    await authn.admin('POST', '/v1/clusters', token, { id: uuid, alias: 'tls', urls });
    const key = (await authn.admin('POST', '/v1/s3-keys', token, { user: 'admin' })) as {
      access_key: string;
    };
    const stateFile = join(cluster.primary.spec.dir, 'auth-state.json');
    await waitFor('the S3 key pushed to the gateway over HTTPS', 20_000, async () =>
      (await readFile(stateFile, 'utf8').catch(() => '')).includes(key.access_key),
    );
  } finally {
    authn.stop();
    await authn.exited();
  }
});

test('load-x509 reloads every node; the CLI shows the new certificate', async () => {
  const serial = await renewCertificate(tls);
  const reloaded = await client.cluster.reloadCertificates();
  assert.equal(Object.keys(reloaded).length, 3);
  for (const info of Object.values(reloaded)) assert.equal(serialOf(info.serial_number), serial);
  for (const node of cluster.nodes) assert.equal(await servedSerial(node.publicUrl), serial);
  const { stdout } = await run(
    process.execPath,
    [cairnEntry, '--endpoint', cluster.primary.publicUrl, 'tls', 'show', '--json'],
    { env: { ...process.env, CAIRN_CA_CERT: tls.ca } },
  );
  const shown = JSON.parse(stdout) as Record<string, { serial_number: string }>;
  assert.equal(Object.keys(shown).length, 3);
  for (const info of Object.values(shown)) assert.equal(serialOf(info.serial_number), serial);
  // Data still flows between nodes (intra-cluster connections use the new client certificate).
  const body = randomBytes(50_000);
  const bucket = { name: 'secure', provider: 'ais' };
  await client.putObject(bucket, 'after-reload', body);
  assert.deepEqual(await client.getObjectBytes(bucket, 'after-reload'), body);
});

test('certificates reloaded under load: no request fails, new handshakes get the new one', async () => {
  const bucket = { name: 'secure', provider: 'ais' };
  const body = randomBytes(20_000);
  await client.putObject(bucket, 'under-load', body);
  let reloading = true;
  let served = 0;
  const failures: string[] = [];
  const url = `${cluster.primary.publicUrl}/v1/objects/secure/under-load`;
  /** Over the shared client's kept connections, or a new connection (a new handshake). */
  const getOnce = async (fresh: boolean): Promise<Buffer> => {
    if (!fresh) return await client.getObjectBytes(bucket, 'under-load');
    const agent = new Agent({ connect: { ca } });
    try {
      const response = await undiciFetch(url, { dispatcher: agent });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    } finally {
      await agent.close();
    }
  };
  const load = async (fresh: boolean): Promise<void> => {
    const kind = fresh ? 'new' : 'kept';
    for (let i = 0; i < 2000 && (reloading || i < 3); i += 1) {
      try {
        if ((await getOnce(fresh)).equals(body)) served += 1;
        else failures.push(`${kind} connection: wrong bytes`);
      } catch (error) {
        failures.push(`${kind} connection: ${String(error)}`);
      }
    }
  };
  const running = [load(false), load(true), load(true)];
  try {
    const serial = await renewCertificate(tls);
    await client.cluster.reloadCertificates();
    assert.equal(await servedSerial(cluster.primary.publicUrl), serial);
  } finally {
    reloading = false;
    await Promise.all(running);
  }
  assert.deepEqual(failures, []);
  assert.ok(served >= 9, `${served} GETs served`);
});

test('curl and the aws cli over HTTPS, trusting the CA', async () => {
  const body = randomBytes(40_000);
  const source = join(dir, 'cli-body.bin');
  await writeFile(source, body);
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: accessKey,
    AWS_SECRET_ACCESS_KEY: secretKey,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const aws = ['--endpoint-url', cluster.primary.publicUrl, '--ca-bundle', tls.ca];
  await run('aws', [...aws, 's3', 'cp', source, 's3://secure/cli/aws.bin'], { env });
  const url = `${cluster.primary.publicUrl}/v1/objects/secure/cli/aws.bin`;
  const { stdout } = await run('curl', ['-sS', '-f', '-L', '--cacert', tls.ca, url], {
    encoding: 'buffer',
    maxBuffer: 1 << 20,
  });
  assert.ok(stdout.equals(body), 'curl read what the aws cli wrote');
  await assert.rejects(run('curl', ['-sS', '-f', url]), /certificate/i, 'curl without the CA');
});

test('a renewed certificate is picked up from the files without a request', async () => {
  const serial = await renewCertificate(tls);
  await waitFor('every node serving the renewed certificate', 60_000, async () => {
    for (const node of cluster.nodes)
      if ((await servedSerial(node.publicUrl)) !== serial) return false;
    return true;
  });
});

test('a bad certificate file is refused by name and the previous certificate stays in use', async () => {
  const before = await servedSerial(cluster.primary.publicUrl);
  const saved = await readFile(tls.cert);
  await writeFile(tls.cert, 'not a certificate\n');
  try {
    await assert.rejects(client.cluster.reloadCertificates(), (error: Error) => {
      assert.match(error.message, /node\.crt/);
      assert.match(error.message, /previous certificate stays/);
      return true;
    });
    assert.equal(await servedSerial(cluster.primary.publicUrl), before);
    const bucket = { name: 'secure', provider: 'ais' };
    const body = randomBytes(10_000);
    await client.putObject(bucket, 'during-bad-file', body);
    assert.deepEqual(await client.getObjectBytes(bucket, 'during-bad-file'), body);
  } finally {
    await writeFile(tls.cert, saved);
  }
});
