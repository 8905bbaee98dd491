// Unit tests of the piece streams' frame format: frames survive any chunking, a corrupt prefix is
// refused before its body arrives, and a stream cut mid-frame shows as pending bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrameHead, FrameDecoder, FrameError, FrameKind, setFrameId } from './frame-codec.js';

function frame(id: number, header: unknown, body: Buffer): Buffer {
  return Buffer.concat([encodeFrameHead(FrameKind.piece, id, header, body.length), body]);
}

test('frames come out whole and in order, however the bytes are cut', () => {
  const bodies = [Buffer.alloc(0), Buffer.from('abc'), Buffer.alloc(7_000, 7)];
  const wire = Buffer.concat(bodies.map((body, index) => frame(index + 1, { n: index }, body)));
  for (const step of [1, 5, 13, 4096, wire.length]) {
    const decoder = new FrameDecoder(1 << 20);
    const frames = [];
    for (let at = 0; at < wire.length; at += step)
      frames.push(...decoder.push(wire.subarray(at, at + step)));
    assert.equal(frames.length, 3, `step ${step}`);
    frames.forEach((decoded, index) => {
      assert.equal(decoded.kind, FrameKind.piece);
      assert.equal(decoded.id, index + 1);
      assert.deepEqual(decoded.header, { n: index });
      assert.equal(decoded.bodyBytes, (bodies[index] as Buffer).length);
      assert.deepEqual(Buffer.concat(decoded.body), bodies[index]);
    });
    assert.equal(decoder.pendingBytes, 0);
  }
});

test('an id set after the head was built is the one decoded', () => {
  const head = encodeFrameHead(FrameKind.ack, 0, { ok: true });
  setFrameId(head, 4_000_000_000);
  const [decoded] = new FrameDecoder(1024).push(head);
  assert.equal(decoded?.id, 4_000_000_000);
  assert.equal(decoded?.kind, FrameKind.ack);
});

test('a stream cut mid-frame leaves its bytes pending and yields nothing', () => {
  const wire = frame(9, { a: 1 }, Buffer.alloc(1000, 1));
  const decoder = new FrameDecoder(1 << 20);
  assert.deepEqual(decoder.push(wire.subarray(0, 600)), []);
  assert.equal(decoder.pendingBytes, 600);
});

test('a corrupt prefix is refused as soon as it is in, before its body', () => {
  const good = frame(1, { a: 1 }, Buffer.alloc(100));
  const unknownKind = Buffer.from(good);
  unknownKind.writeUInt8(9, 4);
  assert.throws(() => new FrameDecoder(1 << 20).push(unknownKind.subarray(0, 13)), FrameError);
  const tooLong = Buffer.from(good);
  tooLong.writeUInt32BE(5 << 20, 0);
  assert.throws(() => new FrameDecoder(1 << 20).push(tooLong.subarray(0, 13)), /over the limit/);
  const headerPastEnd = Buffer.from(good);
  headerPastEnd.writeUInt32BE(1000, 9);
  assert.throws(() => new FrameDecoder(1 << 20).push(headerPastEnd), /frame header of 1000/);
  const notJson = Buffer.from(good);
  notJson.write('#', 13);
  assert.throws(() => new FrameDecoder(1 << 20).push(notJson), /not JSON/);
});
