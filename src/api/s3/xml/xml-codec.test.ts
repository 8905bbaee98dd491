// Unit tests of the S3 XML codec: text that is data (keys, tag values, prefixes) is kept to the
// byte, other text trimmed; a carriage return survives a response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { childRecords, childText, parseXmlDocument, renderXml } from './xml-codec.js';

test('keys, tag values and prefixes keep their spaces; other text is trimmed', () => {
  const deletion = parseXmlDocument(
    `<?xml version="1.0"?>\n<Delete>\n  <Object>\n    <Key> k </Key>\n  </Object>\n  <Object><Key>  </Key></Object>\n  <Quiet> true </Quiet>\n</Delete>\n`,
    'Delete',
  );
  const objects = childRecords(deletion, 'Object');
  assert.deepEqual(
    objects.map((object) => childText(object, 'Key')),
    [' k ', '  '],
  );
  assert.equal(childText(deletion, 'Quiet'), 'true');
  assert.equal(Object.keys(deletion).includes('#text'), false, 'whitespace between elements');
  const tagging = parseXmlDocument(
    '<Tagging><TagSet><Tag><Key> a </Key><Value> b </Value></Tag></TagSet></Tagging>',
    'Tagging',
  );
  const tagSet = tagging['TagSet'] as Record<string, unknown>;
  assert.deepEqual(tagSet['Tag'], [{ Key: ' a ', Value: ' b ' }]);
  const lifecycle = parseXmlDocument(
    '<LifecycleConfiguration><Rule><Filter><Prefix>tmp </Prefix></Filter><Status> Enabled </Status></Rule></LifecycleConfiguration>',
    'LifecycleConfiguration',
  );
  assert.deepEqual(lifecycle['Rule'], { Filter: { Prefix: 'tmp ' }, Status: 'Enabled' });
  // A container with only whitespace in it is empty, as before.
  assert.deepEqual(parseXmlDocument('<Delete>\n  </Delete>', 'Delete'), {});
});

test('a carriage return in a key comes back as one', () => {
  const text = renderXml('ListBucketResult', { Contents: [{ Key: 'cr\r' }, { Key: 'crlf\r\n' }] });
  const parsed = new XMLParser({
    trimValues: false,
    htmlEntities: true,
    isArray: (name) => name === 'Contents',
  }).parse(text) as { ListBucketResult: { Contents: Array<{ Key: string }> } };
  assert.deepEqual(
    parsed.ListBucketResult.Contents.map((item) => item.Key),
    ['cr\r', 'crlf\r\n'],
  );
});
