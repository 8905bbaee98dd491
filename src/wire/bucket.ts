// Bucket identity on the wire: provider, namespace and name (and AIStore's rules for names);
// `ais://name` display form; unames.

/** Providers as spelled on the wire. Aliases are normalised by `normalizeProvider`. */
export const Provider = {
  ais: 'ais',
  aws: 'aws',
  gcp: 'gcp',
  azure: 'azure',
  oci: 'oci',
  ht: 'ht',
} as const;
export type ProviderName = (typeof Provider)[keyof typeof Provider];

// A Map, not an object literal: a spelling such as `constructor` or `__proto__` names no provider
// (an object's lookup found its prototype's members).
const providerAliases: ReadonlyMap<string, ProviderName> = new Map<string, ProviderName>([
  ['', 'ais'],
  ['ais', 'ais'],
  ['aws', 'aws'],
  ['s3', 'aws'],
  ['gcp', 'gcp'],
  ['gs', 'gcp'],
  ['azure', 'azure'],
  ['az', 'azure'],
  ['oci', 'oci'],
  ['oc', 'oci'],
  ['ht', 'ht'],
]);

/** Returns the canonical provider for a wire spelling, or undefined when unknown. */
export function normalizeProvider(spelling: string | null | undefined): ProviderName | undefined {
  // Every request naming a bucket asks (a native GET twice): the usual spellings need no lowercase
  // copy of a fresh string.
  if (spelling === null || spelling === undefined || spelling === 'ais') return 'ais';
  return providerAliases.get(spelling.toLowerCase());
}

/** Bucket namespace; both empty = the global namespace. */
export interface NamespaceJson {
  uuid: string;
  name: string;
}

/** Bucket as sent in JSON (AIStore's `cmn.Bck` wire form). */
export interface BucketJson {
  name: string;
  provider: string;
  namespace?: NamespaceJson;
}

export const globalNamespace: NamespaceJson = Object.freeze({ uuid: '', name: '' });

/** Namespace "uname" part: `@#` for the global namespace, else `@<uuid>#<name>`. */
export function namespaceUname(namespace: NamespaceJson | undefined): string {
  return `@${namespace?.uuid ?? ''}#${namespace?.name ?? ''}`;
}

/** Parses the `namespace` query parameter (`@uuid#name`, `#name`, or empty). */
export function parseNamespace(text: string | null | undefined): NamespaceJson | undefined {
  if (text === null || text === undefined || text === '' || text === '@#') return globalNamespace;
  const match = /^@?([^#]*)#(.*)$/.exec(text);
  if (match === null) return undefined;
  return { uuid: match[1] ?? '', name: match[2] ?? '' };
}

export function isGlobalNamespace(namespace: NamespaceJson | undefined): boolean {
  return (namespace?.uuid ?? '') === '' && (namespace?.name ?? '') === '';
}

/**
 * `ais://name` (or `ais://@uuid#ns/name`, `ais://@uuid/name`, `ais://#ns/name`), the form AIStore
 * prints in messages and clients match on (`cmn.Ns.String`: an empty part is left out).
 */
export function bucketDisplayName(bucket: BucketJson): string {
  return `${bucket.provider}://${namespacePrefix(bucket.namespace)}${bucket.name}`;
}

function namespacePrefix(namespace: NamespaceJson | undefined): string {
  const uuid = namespace?.uuid ?? '';
  const name = namespace?.name ?? '';
  if (uuid === '' && name === '') return '';
  if (uuid === '') return `#${name}/`;
  return name === '' ? `@${uuid}/` : `@${uuid}#${name}/`;
}

/** Object uname used by HRW placement: `provider/@uuid#ns/bucket/object`. */
export function objectUname(bucket: BucketJson, objectName: string): string {
  return `${bucket.provider}/${namespaceUname(bucket.namespace)}/${bucket.name}/${objectName}`;
}

/**
 * Parses an object uname `<provider>/<namespace>/<bucket>/<object>` (`ais/@#/dst/a/b`), the form of
 * `object_to`. The namespace is `@#` (global) or `@<uuid>#<name>`; the object name may hold
 * slashes. Returns why it cannot be parsed as a string.
 */
export function parseObjectUname(
  text: string,
): { bucket: BucketJson; objectName: string } | string {
  const parsed = parseUname(text);
  if (typeof parsed === 'string') return parsed;
  if (parsed.objectName === '') return 'missing object name';
  return parsed;
}

/** A bucket uname, `<provider>/<namespace>/<bucket>/` (the trailing slash is part of it). */
export function bucketUname(bucket: BucketJson): string {
  return objectUname(bucket, '');
}

/**
 * Parses a bucket uname `<provider>/<namespace>/<bucket>/` (`ais/@#/dst/`), the form of `bck_to`:
 * as in AIStore, the bucket name counts only when a slash follows it.
 */
export function parseBucketUname(text: string): BucketJson | string {
  if (text.split('/').length < 4) return `invalid bucket uname "${text}" (expecting ais/@#/name/)`;
  const parsed = parseUname(text);
  return typeof parsed === 'string' ? parsed : parsed.bucket;
}

function parseUname(text: string): { bucket: BucketJson; objectName: string } | string {
  const [providerText = '', namespaceText = '', name = '', ...rest] = text.split('/');
  const provider = normalizeProvider(providerText);
  if (provider === undefined || providerText === '') return `invalid provider "${providerText}"`;
  const namespace = namespaceText.startsWith('@') ? parseNamespace(namespaceText) : undefined;
  if (namespace === undefined) return `invalid namespace "${namespaceText}"`;
  if (name === '') return 'missing bucket name';
  const global = namespace.uuid === '' && namespace.name === '';
  const bucket = global ? { name, provider } : { name, provider, namespace };
  return { bucket, objectName: rest.join('/') };
}

/** A bucket in an action's JSON (`{"name", "provider", "namespace": {"uuid", "name"}}`). */
export function parseBucketJson(value: unknown): BucketJson | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'expected a bucket {"name", "provider"}';
  // Keys matched case-insensitively (the last of two spellings wins), without a lowered copy: a
  // peer parses one per GetBatch item.
  let name: unknown;
  let spelling: unknown;
  let namespace: unknown;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const lower = key.toLowerCase();
    if (lower === 'name') name = item;
    else if (lower === 'provider') spelling = item;
    else if (lower === 'namespace') namespace = item;
  }
  if (typeof name !== 'string' || name === '') return 'missing bucket name';
  const provider = normalizeProvider(
    typeof spelling === 'string' && spelling !== '' ? spelling : 'ais',
  );
  if (provider === undefined) return `invalid provider "${String(spelling)}"`;
  if (namespace === undefined || namespace === null) return { name, provider };
  const parsed = parseNamespaceJson(namespace);
  if (typeof parsed === 'string') return parsed;
  return isGlobalNamespace(parsed) ? { name, provider } : { name, provider, namespace: parsed };
}

/** A bucket's namespace in JSON (`{"uuid", "name"}`, keys in any case, as Go decodes them). */
function parseNamespaceJson(value: unknown): { uuid: string; name: string } | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'expected a namespace {"uuid", "name"}';
  const parsed = { uuid: '', name: '' };
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const lower = key.toLowerCase();
    if (lower !== 'uuid' && lower !== 'name') continue;
    if (item === undefined || item === null) continue;
    if (typeof item !== 'string') return `namespace "${key}" must be a string`;
    parsed[lower] = item;
  }
  return parsed;
}

/**
 * Parses `ais://bucket[/object]` or a bare `bucket[/object]` (CLI form); a namespace goes first,
 * as AIStore's CLI writes it: `ais://@alias/bucket`, `ais://@uuid#ns/bucket`, `ais://#ns/bucket`.
 */
export function parseBucketUri(
  uri: string,
): { bucket: BucketJson; objectName: string } | undefined {
  const match = /^(?:([a-z0-9]+):\/\/)?((?:[@#][^/]*\/)?)([^/]+)(?:\/(.*))?$/.exec(uri);
  if (match === null) return undefined;
  const provider = normalizeProvider(match[1] ?? 'ais');
  if (provider === undefined) return undefined;
  const nsText = (match[2] ?? '').replace(/\/$/, '');
  const bucket: BucketJson = { name: match[3] ?? '', provider };
  if (nsText !== '') {
    const namespace = parseNamespace(nsText.includes('#') ? nsText : `${nsText}#`);
    if (namespace === undefined) return undefined;
    if (!isGlobalNamespace(namespace)) bucket.namespace = namespace;
  }
  return { bucket, objectName: match[4] ?? '' };
}

/** Query parameters that carry a bucket's provider and namespace. */
export function bucketQuery(bucket: BucketJson): URLSearchParams {
  const query = new URLSearchParams({ provider: bucket.provider });
  if (!isGlobalNamespace(bucket.namespace))
    query.set('namespace', namespaceUname(bucket.namespace));
  return query;
}

// Bucket-name rules: AIStore's (`cmn/bck.go` ValidateName, `cmn/cos` CheckAlphaPlus) with its
// wording, so the server, the SDK and the CLI say the same thing.

/** AIStore's `cos.MaxNameLength`, in bytes (the allowed characters are all one byte). */
export const maxBucketNameLength = 64;

/** The only names that may start with a dot: AIStore's system buckets. */
export const systemBucketNames: readonly string[] = ['.sys-inventory', '.sys-shardidx'];

const onlyPlus = 'may only contain letters, numbers, dashes (-), underscores (_), and dots (.)';

/**
 * Why `name` cannot be a bucket name, in AIStore's words, or undefined when it can be one:
 * `bucket name is missing`; `bucket name is too long: 65 > 64(max length)`;
 * `bucket name is invalid: may only contain ...` (any other character, or `..`);
 * `reserved bucket name ".x" (unknown system bucket)`.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name === '') return 'bucket name is missing';
  const problem = alphaPlusProblem(name, 'bucket name');
  if (problem !== undefined) return problem;
  if (name.startsWith('.') && !systemBucketNames.includes(name)) {
    return `reserved bucket name "${name}" (unknown system bucket)`;
  }
  return undefined;
}

/** AIStore's `CheckAlphaPlus`: letters, digits, `-`, `_`, and `.` but never two dots in a row. */
function alphaPlusProblem(text: string, tag: string): string | undefined {
  // Every request naming a bucket checks its name (a native GET twice): a valid one in one pass
  // over its characters, no byte count or regular expression; anything else is told below.
  if (isAlphaPlus(text)) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBucketNameLength) {
    return `${tag} is too long: ${bytes} > ${maxBucketNameLength}(max length)`;
  }
  if (!/^[A-Za-z0-9_.-]*$/.test(text) || text.includes('..'))
    return `${tag} is invalid: ${onlyPlus}`;
  return undefined;
}

/**
 * True when `text` passes `alphaPlusProblem`: at most `maxBucketNameLength` characters, each one
 * byte (so bytes = characters) among letters, digits, `-`, `_` and `.`, no two dots in a row.
 */
function isAlphaPlus(text: string): boolean {
  if (text.length > maxBucketNameLength) return false;
  let previousDot = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    const dot = code === 0x2e;
    if (dot) {
      if (previousDot) return false;
    } else if (!(
      (code >= 0x61 && code <= 0x7a) || // a-z
      (code >= 0x41 && code <= 0x5a) || // A-Z
      (code >= 0x30 && code <= 0x39) || // 0-9
      code === 0x2d || // -
      code === 0x5f // _
    )) {
      return false;
    }
    previousDot = dot;
  }
  return true;
}
