// undici's `request` under a deadline that also holds while the connection is still being opened.
// undici notices an aborted signal only once the request has a connection: to a peer whose link is
// down a request waits out the connect (10 s, or until the host is found unreachable) whatever its
// deadline, and a primary election, whose probes and votes each allow 2-4 s, lost round after
// round that way. Here the answer is given up at the deadline; undici drops the request itself
// once the connect ends, and a response that still arrives after the deadline is discarded.
import { request, type Dispatcher } from 'undici';

type RequestOptions = NonNullable<Parameters<typeof request>[1]>;

/** `request(url, options)` with `signal` set to a `timeoutMs` deadline it settles by. */
export function requestBefore(
  url: string,
  options: Omit<RequestOptions, 'signal'>,
  timeoutMs: number,
): Promise<Dispatcher.ResponseData<unknown>> {
  const signal = AbortSignal.timeout(timeoutMs);
  const pending = request(url, { ...options, signal });
  return new Promise((resolve, reject) => {
    const expire = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', expire, { once: true });
    pending.then(
      (response) => {
        signal.removeEventListener('abort', expire);
        // Already rejected at the deadline: nobody will read this body.
        if (signal.aborted) response.body.destroy();
        else resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', expire);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
