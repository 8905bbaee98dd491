// An ht:// object's URL: the bucket's origin (`extra.http.original_url`) joined with the object's
// name, each path segment URL-encoded, as AIStore's HTTP backend builds it; and AIStore's
// `original_url` query of a GET or HEAD, which names that URL. The query must name the object's
// own URL: the cluster caches what it fetches under the bucket and name, so a URL of another
// origin would put other bytes under that name for every later reader. A bucket not added yet
// takes its origin from the URL (what precedes the object's name), as AIStore adds it.
import { badRequest } from '../errors/index.js';
import { bucketDisplayName, type BucketJson } from '../wire/index.js';

/** The URL of object `name` under `origin` (a base URL, trailing slashes ignored). */
export function httpObjectUrl(origin: string, name: string): string {
  return `${origin.replace(/\/+$/, '')}/${name.split('/').map(encodeURIComponent).join('/')}`;
}

/** The origin an `original_url` implies for object `name`: the URL without the name's path. */
export function originOfObjectUrl(bucket: BucketJson, name: string, originalUrl: string): string {
  const url = parseHttpUrl(bucket, originalUrl);
  const segments = pathSegments(url);
  const nameSegments = name.split('/');
  const base = segments.slice(0, segments.length - nameSegments.length);
  if (
    url.search !== '' ||
    segments.length < nameSegments.length ||
    segments.slice(base.length).join('/') !== name
  )
    throw mismatch(bucket, name, originalUrl, `a URL whose path ends with /${name}`);
  return httpObjectUrl(url.origin, base.join('/')).replace(/\/*$/, '/');
}

/** Refuses an `original_url` that is not object `name`'s URL under the bucket's `origin`. */
export function checkOriginalUrl(
  bucket: BucketJson,
  origin: string,
  name: string,
  originalUrl: string,
): void {
  const given = parseHttpUrl(bucket, originalUrl);
  const expected = new URL(httpObjectUrl(origin, name));
  const same =
    given.origin === expected.origin &&
    given.search === '' &&
    pathSegments(given).join('/') === pathSegments(expected).join('/');
  if (!same) throw mismatch(bucket, name, originalUrl, expected.href);
}

/** A URL's path as decoded segments (`/a%20b/c` → `a b`, `c`). */
function pathSegments(url: URL): string[] {
  return url.pathname
    .split('/')
    .slice(1)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
}

function parseHttpUrl(bucket: BucketJson, text: string): URL {
  if (bucket.provider !== 'ht')
    throw badRequest(`original_url: ${bucketDisplayName(bucket)} is not an ht:// bucket`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badRequest(`original_url: invalid URL "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badRequest(`original_url: "${text}" is not an http(s) URL`);
  return url;
}

function mismatch(bucket: BucketJson, name: string, given: string, expected: string): Error {
  return badRequest(
    `original_url "${given}" is not the URL of ${bucketDisplayName(bucket)}/${name} (expected ${expected})`,
  );
}
