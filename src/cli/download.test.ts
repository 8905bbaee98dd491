// download(): the bytes reach the file whole (renamed from a temporary name), a failed stream
// leaves no file, and a terminal's stderr shows the byte count, cleared at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from './cli-io.js';
import { CommandContext } from './context.js';
import { download } from './download.js';

function contextWith(stderrIsTty: boolean): { context: CommandContext; stderr: () => string } {
  const stderr = Object.assign(new PassThrough(), { isTTY: stderrIsTty });
  const chunks: Buffer[] = [];
  stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  const io: CliIo = {
    stdin: Readable.from([]),
    stdout: new PassThrough(),
    stderr,
    setExitCode: () => undefined,
    exit: () => {
      throw new Error('exit');
    },
  };
  const context = new CommandContext(io, {
    endpoint: 'http://127.0.0.1:1',
    direct: true,
    timeout: 1,
  });
  return { context, stderr: () => Buffer.concat(chunks).toString() };
}

test('writes every byte to the file and shows the count on a terminal', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-download-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { context, stderr } = contextWith(true);
  const parts = [Buffer.alloc(1000, 1), Buffer.alloc(2000, 2)];
  const result = await download(context, Readable.from(parts), join(dir, 'out'), 'x', {
    label: 'GetBatch',
  });
  assert.deepEqual(result, { path: join(dir, 'out'), bytes: 3000 });
  assert.deepEqual(readFileSync(join(dir, 'out')), Buffer.concat(parts));
  const clear = '\r\u001b[K';
  const shown = stderr();
  assert.ok(shown.startsWith(`${clear}GetBatch: `), shown);
  assert.ok(shown.endsWith(clear) && shown.length > 2 * clear.length + 'GetBatch: '.length);
  assert.deepEqual(readdirSync(dir), ['out']);
});

test('a stream that fails leaves no file, and nothing on a non-terminal stderr', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-download-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { context, stderr } = contextWith(false);
  let reads = 0;
  const failing = new Readable({
    read() {
      reads += 1;
      if (reads === 1) this.push(Buffer.from('partial'));
      else this.destroy(new Error('cut short'));
    },
  });
  await assert.rejects(download(context, failing, join(dir, 'out'), 'x'), /cut short/);
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(stderr(), '');
});

test('an answer whose connection closed early says so, and leaves no file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-download-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { context } = contextWith(false);
  const closed = (): Readable => {
    let reads = 0;
    return new Readable({
      read() {
        reads += 1;
        if (reads === 1) this.push(Buffer.from('partial'));
        else
          this.destroy(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
      },
    });
  };
  const labels = { subject: 'GET ais://b/o', why: 'a target lost' };
  await assert.rejects(
    download(context, closed(), join(dir, 'out'), 'x', labels),
    /^Error: GET ais:\/\/b\/o cut short: .* \(a target lost\); no file was written \(other side closed\)$/,
  );
  assert.deepEqual(readdirSync(dir), []);
});
