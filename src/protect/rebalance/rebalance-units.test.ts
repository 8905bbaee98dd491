// Unit tests for the rebalance building blocks: transfer headers and the progress marker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RebalanceMarker, rebalanceMarkerName } from './rebalance-marker.js';
import { parseTransferHeaders, transferHeaders } from './transfer-headers.js';

test('object metadata and S3 attributes survive the transfer headers, any custom key or value included', () => {
  const headers = transferHeaders({
    bucket: { name: 'b', provider: 'ais' },
    name: 'n',
    size: 42,
    checksum: { type: 'sha256', value: 'ab'.repeat(32) },
    version: '3',
    customMetadata: { 'a,b': 'x=y, z', ünï: '∂' },
    copies: [],
    accessTimeNs: 0n,
    modifiedTimeMs: 1_700_000_000_001,
    mountpath: '/mp',
    contentHeaders: { 'content-type': 'text/plain; charset=ü' },
    tags: { 'a b': 'c=d' },
    extraChecksums: { crc32c: 'AAAAAA==' },
    etag: '0123456789abcdef0123456789abcdef-2',
    versionId: 'V'.repeat(32),
    versionStamp: 1_700_000_000_001_234,
  });
  assert.deepEqual(parseTransferHeaders(headers), {
    size: 42,
    checksum: { type: 'sha256', value: 'ab'.repeat(32) },
    version: '3',
    customMetadata: { 'a,b': 'x=y, z', ünï: '∂' },
    modifiedTimeMs: 1_700_000_000_001,
    attributes: {
      contentHeaders: { 'content-type': 'text/plain; charset=ü' },
      tags: { 'a b': 'c=d' },
      extraChecksums: { crc32c: 'AAAAAA==' },
      etag: '0123456789abcdef0123456789abcdef-2',
      versionId: 'V'.repeat(32),
      versionStamp: 1_700_000_000_001_234,
    },
  });
  assert.throws(() => parseTransferHeaders({}), /invalid length/);
});

test('the progress marker persists and tolerates a damaged file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-marker-'));
  try {
    const marker = await RebalanceMarker.load(dir);
    assert.deepEqual(marker.progress, { walked: 0, completed: 0 });
    await marker.record({ walked: 4 });
    await marker.record({ completed: 4 });
    assert.deepEqual((await RebalanceMarker.load(dir)).progress, { walked: 4, completed: 4 });
    await writeFile(join(dir, rebalanceMarkerName), '{not json');
    assert.deepEqual((await RebalanceMarker.load(dir)).progress, { walked: 0, completed: 0 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
