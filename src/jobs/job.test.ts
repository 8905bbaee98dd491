// A share's view of its peers: a peer that left the cluster map fails the job here unless its
// share had ended well first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Job } from './job.js';

class IdleJob extends Job {
  protected execute(): Promise<void> {
    return Promise.resolve();
  }
}

const inMapExcept =
  (...gone: string[]) =>
  (node: string): boolean =>
    !gone.includes(node);

test('a peer that ended its share well and left later changes nothing', () => {
  const job = new IdleJob('j1', 'prefetch-listrange', undefined);
  job.peers = ['a', 'b'];
  job.peerEnded('a', '');
  job.peersLeft(inMapExcept('a'));
  assert.equal(job.snapshot().err, '');
});

test('a peer that left before its share ended fails the job, named', () => {
  const job = new IdleJob('j2', 'copy-bck', undefined);
  job.peers = ['a', 'b'];
  job.peerEnded('a', '');
  job.peersLeft(inMapExcept());
  assert.equal(job.snapshot().err, '');
  job.peersLeft(inMapExcept('b'));
  assert.equal(
    job.snapshot().err,
    'target b left the cluster before its share of copy-bck[j2] ended',
  );
});

test('a peer whose share failed and that left carries its error here', () => {
  const job = new IdleJob('j3', 'delete-listrange', undefined);
  job.peers = ['a'];
  job.peerEnded('a', 'disk gone');
  job.peersLeft(inMapExcept('a'));
  assert.equal(job.snapshot().err, 'target a (which has left the cluster since): disk gone');
});
