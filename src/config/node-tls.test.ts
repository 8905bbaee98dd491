// Unit tests for a node's TLS settings: off by default, paths made absolute, and settings that
// would do nothing (or cannot work) refused with the flag to fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeConfig } from './node-config.js';
import { httpUrl } from './node-networks.js';

const proxy = { role: 'proxy', dir: '/tmp/p' };

test('plain HTTP by default; https with a certificate and key resolves absolute paths', () => {
  assert.equal(parseNodeConfig(proxy).tls, undefined);
  const config = parseNodeConfig({
    ...proxy,
    https: true,
    tlsCert: '/etc/cairn/node.crt',
    tlsKey: '/etc/cairn/node.key',
  });
  assert.deepEqual(config.tls, {
    files: { cert: '/etc/cairn/node.crt', key: '/etc/cairn/node.key' },
    clientAuth: false,
    skipVerify: false,
  });
  const withCa = parseNodeConfig({
    ...proxy,
    https: true,
    tlsCert: 'node.crt',
    tlsKey: 'node.key',
    tlsCa: 'ca.crt',
    tlsClientAuth: true,
  });
  assert.equal(withCa.tls?.files.ca, `${process.cwd()}/ca.crt`);
  assert.equal(withCa.tls?.clientAuth, true);
});

test('refused: https without its files, client auth without a CA, TLS files with https off', () => {
  assert.throws(() => parseNodeConfig({ ...proxy, https: true }), /needs tlsCert and tlsKey/);
  assert.throws(
    () =>
      parseNodeConfig({ ...proxy, https: true, tlsCert: 'a', tlsKey: 'b', tlsClientAuth: true }),
    /tlsClientAuth needs tlsCa/,
  );
  assert.throws(
    () => parseNodeConfig({ ...proxy, tlsCert: 'a' }),
    /tlsCert is set but https is off/,
  );
  assert.throws(
    () => parseNodeConfig({ ...proxy, tlsSkipVerify: true }),
    /tlsSkipVerify is set but https is off/,
  );
});

test('node URLs carry the scheme of their server', () => {
  assert.equal(httpUrl('10.0.0.1', 443, true), 'https://10.0.0.1:443');
  assert.equal(httpUrl('::1', 80), 'http://[::1]:80');
});
