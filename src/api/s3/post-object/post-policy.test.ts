// The POST Object policy document, table-tested: conditions parsed, malformed documents refused
// with S3's messages, and the checks of expiry, conditions and extra fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStoreError } from '../../../errors/index.js';
import { checkPostPolicy, parsePostPolicy } from './post-policy.js';

const encode = (document: unknown): string =>
  Buffer.from(typeof document === 'string' ? document : JSON.stringify(document)).toString(
    'base64',
  );

const nowMs = Date.parse('2026-01-01T00:00:00Z');
const later = '2026-01-01T01:00:00.000Z';

/** Throws with `code` and a message matching `message`. */
function failsWith(run: () => unknown, code: string, message: RegExp): void {
  assert.throws(run, (error) => {
    assert.ok(isStoreError(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

test('policy documents: conditions parsed, malformed ones refused with S3 messages', () => {
  const policy = parsePostPolicy(
    encode({
      expiration: later,
      conditions: [
        { bucket: 'photos' },
        ['starts-with', '$Key', 'user/'],
        ['EQ', '$x-amz-meta-tag', 'a'],
        ['content-length-range', 1, '1024'],
      ],
    }),
  );
  assert.equal(policy.expirationMs, Date.parse(later));
  assert.deepEqual(
    policy.conditions.map((condition) => [condition.kind, condition.field, condition.value]),
    [
      ['eq', 'bucket', 'photos'],
      ['starts-with', 'key', 'user/'],
      ['eq', 'x-amz-meta-tag', 'a'],
    ],
  );
  assert.deepEqual(policy.length, { minBytes: 1, maxBytes: 1024 });
  const cases: Array<[unknown, RegExp]> = [
    ['not json', /Invalid JSON/],
    [[1, 2], /Invalid JSON/],
    [{ conditions: [] }, /missing expiration/],
    [{ expiration: 'soon', conditions: [] }, /Invalid 'expiration'/],
    [{ expiration: later }, /missing conditions/],
    [{ expiration: later, conditions: [{ key: 1 }] }, /value must be a string/],
    [{ expiration: later, conditions: [{ a: 'x', b: 'y' }] }, /exactly one field/],
    [{ expiration: later, conditions: [['matches', '$key', 'x']] }, /unknown operation/],
    [{ expiration: later, conditions: [['eq', 'key', 'x']] }, /must start with '\$'/],
    [{ expiration: later, conditions: [['content-length-range', 5, 1]] }, /content-length-range/],
    [{ expiration: later, conditions: [['content-length-range', -1, 1]] }, /content-length-range/],
    [{ expiration: later, conditions: ['key'] }, /Invalid Condition/],
  ];
  for (const [document, message] of cases)
    failsWith(() => parsePostPolicy(encode(document)), 'InvalidPolicyDocument', message);
  failsWith(() => parsePostPolicy('%%%'), 'InvalidPolicyDocument', /Base64/);
});

test('policy checks: expiry, each condition, fields no condition names', () => {
  const policy = parsePostPolicy(
    encode({
      expiration: later,
      conditions: [
        { bucket: 'photos' },
        ['starts-with', '$key', 'user/'],
        ['starts-with', '$Content-Type', 'image/'],
        ['eq', '$success_action_status', '201'],
      ],
    }),
  );
  const form = (fields: Record<string, string>, bucket = 'photos') => ({
    fields: new Map(Object.entries(fields)),
    bucket,
  });
  const good = {
    key: 'user/a.png',
    'content-type': 'image/png, image/jpeg',
    success_action_status: '201',
    policy: 'p',
    'x-amz-signature': 's',
    'x-ignore-note': 'n',
  };
  checkPostPolicy(policy, form(good), nowMs);
  failsWith(
    () => checkPostPolicy(policy, form(good), Date.parse(later)),
    'AccessDenied',
    /expired/,
  );
  failsWith(
    () => checkPostPolicy(policy, form(good, 'other'), nowMs),
    'AccessDenied',
    /Policy Condition failed: \{"bucket":"photos"\}/,
  );
  failsWith(
    () => checkPostPolicy(policy, form({ ...good, key: 'admin/a.png' }), nowMs),
    'AccessDenied',
    /Policy Condition failed: \["starts-with", "\$key", "user\/"\]/,
  );
  failsWith(
    () => checkPostPolicy(policy, form({ ...good, 'content-type': 'image/png, text/html' }), nowMs),
    'AccessDenied',
    /Content-Type/,
  );
  // A field the policy names but the form lacks is empty: eq to "201" fails.
  const withoutStatus = Object.fromEntries(
    Object.entries(good).filter(([name]) => name !== 'success_action_status'),
  );
  failsWith(
    () => checkPostPolicy(policy, form(withoutStatus), nowMs),
    'AccessDenied',
    /success_action_status/,
  );
  failsWith(
    () => checkPostPolicy(policy, form({ ...good, 'x-amz-meta-a': '1', acl: 'private' }), nowMs),
    'AccessDenied',
    /Extra input fields: x-amz-meta-a, acl/,
  );
});
