// S3 lifecycle configuration documents: `<LifecycleConfiguration>` parsed with AWS's validation
// into the bucket's `lifecycle` property, and rendered back. Transitions need storage classes Cairn
// does not have: a rule with one is refused with 501 naming it.
import { StoreError } from '../../errors/index.js';
import { randomId } from '../../util/ids.js';
import type { LifecycleFilterJson, LifecycleJson, LifecycleRuleJson } from '../../wire/index.js';
import { childRecords, childText, malformedXml, type XmlRecord } from './xml/xml-codec.js';

/** AWS's limits: rules per configuration, characters of a rule ID, newer noncurrent versions kept. */
const maxRules = 1000;
const maxIdLength = 255;
const maxNewerNoncurrentVersions = 100;

const ruleElements = new Set([
  'ID',
  'Status',
  'Filter',
  'Prefix',
  'Expiration',
  'NoncurrentVersionExpiration',
  'AbortIncompleteMultipartUpload',
  'Transition',
  'NoncurrentVersionTransition',
]);

function invalidArgument(message: string): StoreError {
  return new StoreError('InvalidArgument', message);
}

/** The single child element `name` as a record (`<Name/>` is an empty one); undefined when absent. */
function childRecord(record: XmlRecord, name: string): XmlRecord | undefined {
  if (record[name] === undefined) return undefined;
  const items = childRecords(record, name);
  if (items.length !== 1) throw malformedXml(`<${name}> may appear once`);
  return items[0];
}

/** A positive whole number of days (or versions), as AWS words the error. */
function positive(text: string | undefined, what: string): number {
  const value = Number(text);
  if (text === undefined || !/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1)
    throw invalidArgument(`${what} must be a positive integer`);
  return value;
}

function size(text: string | undefined, name: string): number {
  if (text === undefined) return 0;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value))
    throw invalidArgument(`'${name}' must be a non-negative integer`);
  return value;
}

/** A `<Tag><Key/><Value/></Tag>` into `tags`; a key given twice is refused as AWS refuses it. */
function addTag(tags: Record<string, string>, tag: XmlRecord): void {
  const key = childText(tag, 'Key');
  if (key === undefined || key === '') throw malformedXml('<Tag> needs a <Key>');
  if (Object.hasOwn(tags, key)) throw invalidArgument('Duplicate Tag Keys are not allowed.');
  tags[key] = childText(tag, 'Value') ?? '';
}

const filterElements = ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan', 'And'];

/** `<Filter>` with at most one predicate, or several under `<And>`. */
function parseFilter(filter: XmlRecord): LifecycleFilterJson {
  for (const name of Object.keys(filter))
    if (!filterElements.includes(name)) throw malformedXml(`unknown element <${name}> in <Filter>`);
  const given = filterElements.filter((name) => filter[name] !== undefined);
  if (given.length > 1) throw malformedXml('<Filter> holds one predicate; combine them in <And>');
  const and = childRecord(filter, 'And');
  const source = and ?? filter;
  if (and !== undefined) {
    for (const name of Object.keys(and))
      if (name === 'And' || !filterElements.includes(name))
        throw malformedXml(`unknown element <${name}> in <And>`);
  }
  const tags: Record<string, string> = {};
  const tagRecords = childRecords(source, 'Tag');
  if (and === undefined && tagRecords.length > 1)
    throw malformedXml('<Filter> holds one <Tag>; combine tags in <And>');
  for (const tag of tagRecords) addTag(tags, tag);
  const parsed: LifecycleFilterJson = {
    prefix: childText(source, 'Prefix') ?? '',
    tags,
    size_greater_than: size(childText(source, 'ObjectSizeGreaterThan'), 'ObjectSizeGreaterThan'),
    size_less_than: size(childText(source, 'ObjectSizeLessThan'), 'ObjectSizeLessThan'),
  };
  if (
    parsed.size_greater_than > 0 &&
    parsed.size_less_than > 0 &&
    parsed.size_greater_than >= parsed.size_less_than
  ) {
    throw invalidArgument('ObjectSizeGreaterThan must be less than ObjectSizeLessThan');
  }
  return parsed;
}

/** `<Expiration>`: exactly one of Days, Date (midnight UTC), ExpiredObjectDeleteMarker. */
function parseExpiration(rule: LifecycleRuleJson, expiration: XmlRecord): void {
  const days = childText(expiration, 'Days');
  const date = childText(expiration, 'Date');
  const marker = childText(expiration, 'ExpiredObjectDeleteMarker');
  const given = [days, date, marker].filter((value) => value !== undefined).length;
  if (marker !== undefined && given > 1) {
    throw invalidArgument(
      'ExpiredObjectDeleteMarker cannot be specified with Days or Date in a Lifecycle Expiration Policy',
    );
  }
  if (given !== 1)
    throw malformedXml('<Expiration> needs exactly one of Days, Date, ExpiredObjectDeleteMarker');
  if (days !== undefined) rule.expiration_days = positive(days, "'Days' for Expiration action");
  if (date !== undefined) {
    const atMs = /^\d{4}-\d{2}-\d{2}(T|$)/.test(date) ? Date.parse(date) : Number.NaN;
    if (Number.isNaN(atMs)) throw invalidArgument("'Date' must be in ISO 8601 format");
    if (atMs % (24 * 60 * 60 * 1000) !== 0) throw invalidArgument("'Date' must be at midnight GMT");
    rule.expiration_date = new Date(atMs).toISOString();
  }
  if (marker !== undefined) {
    if (marker !== 'true' && marker !== 'false')
      throw malformedXml('ExpiredObjectDeleteMarker must be true or false');
    rule.expired_object_delete_marker = marker === 'true';
  }
}

function parseRule(element: XmlRecord): LifecycleRuleJson {
  for (const name of Object.keys(element))
    if (!ruleElements.has(name)) throw malformedXml(`unknown element <${name}> in <Rule>`);
  for (const name of ['Transition', 'NoncurrentVersionTransition']) {
    if (element[name] !== undefined) {
      throw new StoreError(
        'NotImplemented',
        `S3 lifecycle ${name} rules are not implemented (Cairn has one storage class)`,
      );
    }
  }
  const id = childText(element, 'ID') ?? randomId();
  if (id.length > maxIdLength)
    throw invalidArgument(`ID length should not exceed allowed limit of ${maxIdLength}`);
  const status = childText(element, 'Status');
  if (status !== 'Enabled' && status !== 'Disabled')
    throw malformedXml('<Status> must be Enabled or Disabled');
  const filter = childRecord(element, 'Filter');
  const prefix = childText(element, 'Prefix');
  if ((filter === undefined) === (prefix === undefined))
    throw malformedXml('a <Rule> needs exactly one of <Filter> and <Prefix>');
  const rule: LifecycleRuleJson = {
    id,
    enabled: status === 'Enabled',
    filter:
      filter === undefined
        ? { prefix: prefix ?? '', tags: {}, size_greater_than: 0, size_less_than: 0 }
        : parseFilter(filter),
    expiration_days: 0,
    expiration_date: '',
    expired_object_delete_marker: false,
    noncurrent_days: 0,
    newer_noncurrent_versions: 0,
    abort_incomplete_upload_days: 0,
  };
  const expiration = childRecord(element, 'Expiration');
  if (expiration !== undefined) parseExpiration(rule, expiration);
  const noncurrent = childRecord(element, 'NoncurrentVersionExpiration');
  if (noncurrent !== undefined) {
    rule.noncurrent_days = positive(
      childText(noncurrent, 'NoncurrentDays'),
      "'NoncurrentDays' for NoncurrentVersionExpiration action",
    );
    const newer = childText(noncurrent, 'NewerNoncurrentVersions');
    if (newer !== undefined) {
      rule.newer_noncurrent_versions = positive(newer, "'NewerNoncurrentVersions'");
      if (rule.newer_noncurrent_versions > maxNewerNoncurrentVersions)
        throw invalidArgument(
          `'NewerNoncurrentVersions' must be at most ${maxNewerNoncurrentVersions}`,
        );
    }
  }
  const abort = childRecord(element, 'AbortIncompleteMultipartUpload');
  if (abort !== undefined) {
    const { filter: parsed } = rule;
    if (
      Object.keys(parsed.tags).length > 0 ||
      parsed.size_greater_than > 0 ||
      parsed.size_less_than > 0
    ) {
      throw new StoreError(
        'BadRequest',
        'Tag-based or size-based filters cannot be used with AbortIncompleteMultipartUpload action',
      );
    }
    rule.abort_incomplete_upload_days = positive(
      childText(abort, 'DaysAfterInitiation'),
      "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action",
    );
  }
  if (expiration === undefined && noncurrent === undefined && abort === undefined)
    throw malformedXml('a <Rule> needs at least one action');
  return rule;
}

/** The bucket's `lifecycle` from a `<LifecycleConfiguration>` document (its root's content). */
export function parseLifecycleConfiguration(document: XmlRecord): LifecycleJson {
  for (const name of Object.keys(document))
    if (name !== 'Rule') throw malformedXml(`unknown element <${name}>`);
  const elements = childRecords(document, 'Rule');
  if (elements.length === 0) throw malformedXml('<LifecycleConfiguration> needs a <Rule>');
  if (elements.length > maxRules)
    throw malformedXml(`<LifecycleConfiguration> holds at most ${maxRules} rules`);
  const rules = elements.map(parseRule);
  if (new Set(rules.map((rule) => rule.id)).size !== rules.length)
    throw invalidArgument('Rule ID must be unique. Found same ID for more than one rule');
  return { rules };
}

function tagList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** `<Filter>`: the one predicate it has, or `<And>` around several. */
function filterXml(filter: LifecycleFilterJson): Record<string, unknown> {
  const predicates: Record<string, unknown> = {};
  if (filter.prefix !== '') predicates.Prefix = filter.prefix;
  const tags = tagList(filter.tags);
  if (tags.length > 0) predicates.Tag = tags;
  if (filter.size_greater_than > 0) predicates.ObjectSizeGreaterThan = filter.size_greater_than;
  if (filter.size_less_than > 0) predicates.ObjectSizeLessThan = filter.size_less_than;
  const count = Object.keys(predicates).length - (tags.length > 0 ? 1 : 0) + tags.length;
  if (count === 0) return { Prefix: '' };
  return count === 1 ? predicates : { And: predicates };
}

function ruleXml(rule: LifecycleRuleJson): Record<string, unknown> {
  const element: Record<string, unknown> = {
    ID: rule.id,
    Filter: filterXml(rule.filter),
    Status: rule.enabled ? 'Enabled' : 'Disabled',
  };
  if (rule.expiration_days > 0) element.Expiration = { Days: rule.expiration_days };
  else if (rule.expiration_date !== '') element.Expiration = { Date: rule.expiration_date };
  else if (rule.expired_object_delete_marker)
    element.Expiration = { ExpiredObjectDeleteMarker: true };
  if (rule.noncurrent_days > 0) {
    element.NoncurrentVersionExpiration = {
      NoncurrentDays: rule.noncurrent_days,
      ...(rule.newer_noncurrent_versions > 0
        ? { NewerNoncurrentVersions: rule.newer_noncurrent_versions }
        : {}),
    };
  }
  if (rule.abort_incomplete_upload_days > 0)
    element.AbortIncompleteMultipartUpload = {
      DaysAfterInitiation: rule.abort_incomplete_upload_days,
    };
  return element;
}

/** The content of the `<LifecycleConfiguration>` document of a bucket's rules. */
export function lifecycleConfigurationXml(lifecycle: LifecycleJson): Record<string, unknown> {
  return { Rule: lifecycle.rules.map(ruleXml) };
}

/** `x-amz-expiration` of a current version the rules expire (S3 names the day and the rule). */
export function expirationHeaderValue(atMs: number, ruleId: string): string {
  return `expiry-date="${new Date(atMs).toUTCString()}", rule-id="${ruleId}"`;
}
