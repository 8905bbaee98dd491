// What security costs the data path (issue 18's figures), subject and yardstick in the same run:
// - TLS: GET 1 MiB with wrk straight from each target of an HTTPS playground (`--https`, client
//   certificates between nodes) against the same over plain HTTP (goal >= 0.6), and nginx's own
//   HTTPS / HTTP ratio on the same file size and the same certificate (what TLS costs on this
//   machine, wrk's decryption sharing the cores included);
// - auth: GET 4 KiB with wrk carrying an admin token, with `auth.enabled` on, against the same
//   playground with auth off (goal >= 0.9).
// Phases take turns over several rounds; medians are compared.
import { randomBytes } from 'node:crypto';
import { signToken, tokenKeys } from '../src/auth/tokens.js';
import { adminPermissions } from '../src/auth/claims.js';
import { Client } from '../src/sdk/index.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Nginx } from './lib/nginx.js';
import { Playground } from './lib/playground.js';
import { freePortNear } from './lib/ports.js';
import { publish } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';
import { phaseSeconds } from './lib/sizes.js';
import { runWrk } from './lib/wrk.js';
import { median } from './lib/median.js';

const rounds = Number(process.env['BENCH_SECURITY_ROUNDS'] ?? 3);
const connections = 16;
const secret = randomBytes(24).toString('hex');

async function wrkPhase(urls: readonly string[], headers: readonly string[] = []) {
  const result = await runWrk(urls, connections, phaseSeconds, headers);
  if (result.errors > 0)
    throw new Error(
      `wrk: ${result.errors} errors of ${result.requestsPerSecond * phaseSeconds} requests to ${urls.join(' ')}`,
    );
  return result;
}

async function main(): Promise<void> {
  const plainMiB: number[] = [];
  const tlsMiB: number[] = [];
  const authOff: number[] = [];
  const authOn: number[] = [];
  const nginxPlain: number[] = [];
  const nginxTls: number[] = [];
  await withScratch('security-plain', async (plainScratch) => {
    await withScratch('security-tls', async (tlsScratch) => {
      const plain = await Playground.start(plainScratch);
      const secure = await Playground.start(tlsScratch, undefined, process.env, { https: true });
      const plainClient = plain.client();
      plainScratch.defer(() => plainClient.close());
      const secureClient = secure.client();
      tlsScratch.defer(() => secureClient.close());
      const mib = randomBytes(1024 * 1024);
      const bucket = { name: 'security-cost', provider: 'ais' };
      const plainUrls = await plain.objectPerTarget(plainClient, bucket, mib);
      const tlsUrls = await secure.objectPerTarget(secureClient, bucket, mib);
      const small = { name: 'security-cost-4k', provider: 'ais' };
      const smallUrls = await plain.objectPerTarget(plainClient, small, randomBytes(4096));
      const tlsDir = join(secure.dir, 'tls');
      const nginx = await Nginx.start(tlsScratch, await freePortNear(31_000), {
        port: await freePortNear(32_000),
        cert: join(tlsDir, 'node.crt'),
        key: join(tlsDir, 'node.key'),
      });
      await writeFile(join(nginx.root, 'one-mib'), mib);
      // Two wrk per server, as one per target above.
      const nginxUrls = (origin: string | undefined): string[] =>
        Array.from({ length: plainUrls.length }, () => `${origin ?? ''}/one-mib`);
      const token = await signToken(tokenKeys({ secret }), adminPermissions, 3600);
      // Switches auth on and off: with auth on, only a token may change the config.
      const admin = new Client(plain.endpoint, { token });
      plainScratch.defer(() => admin.close());
      for (let round = 0; round < rounds; round += 1) {
        plainMiB.push((await wrkPhase(plainUrls)).mibPerSecond);
        tlsMiB.push((await wrkPhase(tlsUrls)).mibPerSecond);
        nginxPlain.push((await wrkPhase(nginxUrls(nginx.endpoint))).mibPerSecond);
        nginxTls.push((await wrkPhase(nginxUrls(nginx.tlsEndpoint))).mibPerSecond);
        authOff.push((await wrkPhase(smallUrls)).requestsPerSecond);
        await admin.cluster.setConfig({ 'auth.enabled': true, 'auth.secret': secret });
        const authed = await wrkPhase(smallUrls, [`Authorization: Bearer ${token}`]);
        authOn.push(authed.requestsPerSecond);
        await admin.cluster.setConfig({ 'auth.enabled': false });
        process.stderr.write(
          `security-cost: round ${round + 1}: GET 1MiB http ${plainMiB.at(-1)?.toFixed(0)} / https ${tlsMiB.at(-1)?.toFixed(0)} MiB/s; GET 4KiB auth off ${authOff.at(-1)?.toFixed(0)} / on ${authOn.at(-1)?.toFixed(0)} GET/s\n`,
        );
      }
    });
  });
  const list = (values: readonly number[]): string => values.map((v) => v.toFixed(0)).join('/');
  await publish('security-cost', 'Security on the data path: TLS and token checks', [
    {
      workload: `GET 1MiB (wrk, direct to targets), median of ${rounds}`,
      subject: 'HTTPS (client certs between nodes)',
      yardstick: 'plain HTTP',
      unit: 'MiB/s',
      subjectValue: median(tlsMiB),
      yardstickValue: median(plainMiB),
      goal: 0.6,
      note: `https ${list(tlsMiB)}, http ${list(plainMiB)}`,
    },
    {
      workload: `GET 1MiB (wrk), median of ${rounds}`,
      subject: 'nginx HTTPS (same certificate)',
      yardstick: 'nginx HTTP',
      unit: 'MiB/s',
      subjectValue: median(nginxTls),
      yardstickValue: median(nginxPlain),
      note: `what TLS costs a C server here: https ${list(nginxTls)}, http ${list(nginxPlain)}`,
    },
    {
      workload: `GET 4KiB (wrk, direct to targets), median of ${rounds}`,
      subject: 'auth on (admin token)',
      yardstick: 'auth off',
      unit: 'GET/s',
      subjectValue: median(authOn),
      yardstickValue: median(authOff),
      goal: 0.9,
      note: `on ${list(authOn)}, off ${list(authOff)}`,
    },
  ]);
}

await main();
