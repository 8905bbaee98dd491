// The console's calls to its gateway (`api/...` next to the page), with the AuthN token the user
// gave (kept for the browser tab only). A failed call throws an ApiFailure with the gateway's
// status and message.
import type { ActionAnswer, ErrorAnswer } from './console-json.js';

const tokenKey = 'cairn-console-token';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function savedToken(): string {
  return sessionStorage.getItem(tokenKey) ?? '';
}

export function saveToken(token: string): void {
  if (token === '') sessionStorage.removeItem(tokenKey);
  else sessionStorage.setItem(tokenKey, token);
}

export function getJson<T>(route: string, query: Record<string, string> = {}): Promise<T> {
  return call<T>('GET', route, query);
}

/** An admin action (`api/jobs/stop`, `api/nodes/maintenance`, ...). */
export function postAction(route: string, query: Record<string, string>): Promise<ActionAnswer> {
  return call<ActionAnswer>('POST', route, query);
}

async function call<T>(method: string, route: string, query: Record<string, string>): Promise<T> {
  const search = new URLSearchParams(query).toString();
  const token = savedToken();
  const response = await fetch(`api/${route}${search === '' ? '' : `?${search}`}`, {
    method,
    headers: token === '' ? {} : { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as unknown;
  if (!response.ok) {
    const message = (body as Partial<ErrorAnswer>).message ?? response.statusText;
    throw new ApiFailure(response.status, message);
  }
  return body as T;
}
