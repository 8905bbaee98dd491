// Makes the README's screenshots of the web console (docs/images/console-*.png): a cluster of the
// test harness (1 gateway, 3 targets with 2 mountpaths), a small workload (two buckets, a copy job,
// GETs and PUTs while the performance page draws), then Debian's headless Chromium through
// playwright-core. Run after `npm run build`: `node scripts/console-screenshot.mjs`.
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { TestCluster } from '../dist/test/harness/test-cluster.js';

const out = (name) => fileURLToPath(new URL(`../docs/images/${name}`, import.meta.url));
const cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 2 });
let browser;
try {
  const client = cluster.client(0);
  const images = { name: 'images', provider: 'ais' };
  const logs = { name: 'logs', provider: 'ais' };
  await client.createBucket(images);
  await client.createBucket(logs);
  for (let index = 0; index < 60; index += 1)
    await client.putObject(images, `train/img-${index}.jpg`, Buffer.alloc(64 * 1024, index));
  for (let index = 0; index < 20; index += 1)
    await client.putObject(logs, `2026/12/02/app-${index}.log`, Buffer.alloc(4096, index));
  const job = await client.jobs.copyBucket(images, { name: 'images-backup', provider: 'ais' });
  await client.jobs.wait(job, { timeoutMs: 60_000 });

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const url = `${cluster.primary.publicUrl}/console/`;
  await page.goto(`${url}#cluster`);
  await page.waitForSelector('#disks');
  await page.screenshot({ path: out('console-cluster.png') });

  // Traffic while the charts fill (bounded: 12 s).
  let load = true;
  const traffic = (async () => {
    for (let round = 0; load && round < 10_000; round += 1) {
      await client.getObjectBytes(images, `train/img-${round % 60}.jpg`);
      if (round % 4 === 0) await client.putObject(logs, `live/${round}.log`, Buffer.alloc(8192));
    }
  })();
  await page.goto(`${url}#performance`);
  await page.waitForSelector('#throughput');
  await page.waitForTimeout(12_000);
  await page.screenshot({ path: out('console-performance.png') });
  load = false;
  await traffic;
  console.log(`wrote ${out('console-cluster.png')} and ${out('console-performance.png')}`);
} finally {
  await browser?.close();
  await cluster.destroy();
}
