// The bare-metal files of deploy/systemd: the unit passes systemd's own verifier, and the example
// node configs pass the node's config validation (the one `cairn node --config` runs at start).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseNodeConfig } from '../../src/config/index.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const unitDir = path.join(repoRoot, 'deploy/systemd');

async function systemdAnalyze(): Promise<boolean> {
  return run('systemd-analyze', ['--version']).then(
    () => true,
    () => false,
  );
}

describe('systemd unit and node configs (deploy/systemd)', () => {
  test('cairn-node@.service passes systemd-analyze verify', async (t) => {
    if (!(await systemdAnalyze())) {
      t.skip('systemd-analyze is not installed (Debian package systemd)');
      return;
    }
    const unit = await readFile(path.join(unitDir, 'cairn-node@.service'), 'utf8');
    assert.match(unit, /^ExecStart=\/usr\/bin\/cairn node --config \/etc\/cairn\/%i\.json$/m);
    const dir = await mkdtemp(path.join(tmpdir(), 'cairn-unit-'));
    try {
      // The verifier checks that the command exists; this machine has node, not an installed cairn.
      const checkable = unit.replace('/usr/bin/cairn', process.execPath);
      await writeFile(path.join(dir, 'cairn-node@.service'), checkable);
      const { stdout, stderr } = await run('systemd-analyze', [
        'verify',
        path.join(dir, 'cairn-node@gw0.service'),
      ]);
      assert.equal(`${stdout}${stderr}`, '');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the example node configs are valid and form one cluster', async () => {
    const gateway = parseNodeConfig(
      JSON.parse(await readFile(path.join(unitDir, 'gw0.json'), 'utf8')) as unknown,
    );
    const target = parseNodeConfig(
      JSON.parse(await readFile(path.join(unitDir, 'target0.json'), 'utf8')) as unknown,
    );
    assert.equal(gateway.role, 'proxy');
    assert.equal(target.role, 'target');
    assert.equal(target.primaryUrl, `http://${gateway.host}:${gateway.port}`);
    assert.ok(target.mountpaths.length >= 1);
  });
});
