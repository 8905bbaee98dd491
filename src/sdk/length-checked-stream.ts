// Guards object downloads against silent short reads: the returned stream fails unless exactly
// Content-Length bytes arrive (a server aborts a response mid-stream when it detects corruption).
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { TransportError, describeError, errorCode, type OperationLabel } from './errors.js';

/**
 * Pipes `source` through a byte counter. The result errors with a TransportError when the source
 * fails, ends early or runs long; destroying the result destroys the source.
 */
export function lengthCheckedStream(
  source: Readable,
  expectedBytes: number | undefined,
  label: OperationLabel,
): Readable {
  let receivedBytes = 0;
  const expected = expectedBytes === undefined ? 'an unknown number of' : String(expectedBytes);
  const checker = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      receivedBytes += chunk.byteLength;
      if (expectedBytes !== undefined && receivedBytes > expectedBytes) {
        callback(
          new TransportError(label, `body longer than the ${expectedBytes} bytes announced`),
        );
        return;
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback): void {
      if (expectedBytes !== undefined && receivedBytes !== expectedBytes) {
        const detail = `body ended after ${receivedBytes} of ${expectedBytes} bytes`;
        callback(new TransportError(label, detail));
        return;
      }
      callback();
    },
  });
  source.on('error', (error: unknown) => {
    const code = errorCode(error);
    const detail = `body broke off after ${receivedBytes} of ${expected} bytes: ${describeError(error)}`;
    checker.destroy(
      new TransportError(label, detail, { cause: error, ...(code === undefined ? {} : { code }) }),
    );
  });
  // A reader that stops early (destroys the result) must release the connection too.
  checker.on('close', () => {
    if (!source.destroyed && !source.readableEnded) source.destroy();
  });
  source.pipe(checker);
  return checker;
}
