// Reading a browser form upload as it arrives (busboy): the fields before the file whole (S3
// bounds them to 20 KB), then the file part handed on as a stream, never buffered. Fields after
// the file are ignored, as S3 ignores them.
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { StoreError } from '../../../errors/index.js';
import { acceptBody } from '../../common/http-server.js';
import type { RequestContext } from '../../common/request-context.js';

/** S3's limit on the form fields before the file (names and values). */
const maxPreDataBytes = 20 * 1024;
/** More fields than this cannot fit in the pre-data limit anyway. */
const maxFields = 1000;
/**
 * A refused form up to this size is read to its end before the answer: a browser still sending
 * it would otherwise see the connection reset instead of the answer. Larger ones are cut.
 */
const maxDiscardedBytes = 8 * 1024 * 1024;

export interface UploadForm {
  /** The fields before the file, names in lower case (the first of a repeated name counts). */
  readonly fields: ReadonlyMap<string, string>;
  /** The file part's bytes: read once, by whoever writes the object. */
  readonly file: Readable;
  /** The file name the browser sent (`${filename}` in the key). */
  readonly filename: string;
  /** Settles once the rest of the request body was parsed (after the file is read). */
  readonly done: Promise<void>;
  /** Stops reading the request (the answer then closes the connection). */
  abandon(): void;
  /** Before a refusal, while the file is unread: reads the rest when small, else abandons. */
  discard(): Promise<void>;
  /** Why reading the form failed (a malformed part after the file), if it did. */
  failure(): StoreError | undefined;
}

function malformedPost(detail: string): StoreError {
  return new StoreError(
    'MalformedPOSTRequest',
    `The body of your POST request is not well-formed multipart/form-data: ${detail}`,
  );
}

/** Resolves at the file part; rejects on a malformed form, too many fields, or no file. */
export function readUploadForm(context: RequestContext): Promise<UploadForm> {
  const { req } = context;
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\b/i.test(contentType)) {
    throw new StoreError(
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold: Bucket POST must be of the enclosure-type multipart/form-data',
    );
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: { fieldSize: maxPreDataBytes, fields: maxFields, files: 1 },
      defParamCharset: 'utf8',
    });
  } catch (error) {
    throw malformedPost(error instanceof Error ? error.message : String(error));
  }
  const abandon = (): void => {
    req.unpipe(parser);
    parser.removeAllListeners('file');
    parser.destroy();
  };
  let failure: StoreError | undefined;
  return new Promise<UploadForm>((resolve, reject) => {
    const fields = new Map<string, string>();
    let preDataBytes = 0;
    let file: Readable | undefined;
    let endParsing: (error?: Error) => void = () => undefined;
    const done = new Promise<void>((resolveDone, rejectDone) => {
      endParsing = (error) => (error === undefined ? resolveDone() : rejectDone(error));
    });
    // Awaited only on success; a failure is answered from the first rejection.
    done.catch(() => undefined);
    const fail = (error: StoreError): void => {
      failure ??= error;
      abandon();
      endParsing(error);
      reject(error);
    };
    parser.on('field', (name, value, info) => {
      if (file !== undefined) return;
      preDataBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (info.nameTruncated || info.valueTruncated || preDataBytes > maxPreDataBytes) {
        fail(
          new StoreError(
            'MaxPostPreDataLengthExceeded',
            'Your POST request fields preceding the upload file were too large.',
          ),
        );
        return;
      }
      const lower = name.toLowerCase();
      if (!fields.has(lower)) fields.set(lower, value);
    });
    parser.on('fieldsLimit', () => fail(malformedPost(`more than ${maxFields} fields`)));
    parser.on('file', (name, stream, info) => {
      // Its reader attaches its own handlers; until then a failure must not go unheard.
      stream.on('error', () => undefined);
      if (name.toLowerCase() !== 'file') {
        stream.resume();
        fail(
          new StoreError(
            'InvalidArgument',
            `POST Object takes the file in the form field named "file", not "${name}"`,
          ),
        );
        return;
      }
      file = stream;
      const discard = async (): Promise<void> => {
        const length = Number(req.headers['content-length']);
        if (!(length <= maxDiscardedBytes)) {
          abandon();
          return;
        }
        stream.resume();
        await done.catch(() => undefined);
      };
      resolve({
        fields,
        file: stream,
        filename: info.filename ?? '',
        done,
        abandon,
        discard,
        failure: () => failure,
      });
    });
    parser.on('error', (error: Error) => fail(malformedPost(error.message)));
    parser.on('close', () => {
      endParsing();
      if (file === undefined) {
        reject(
          new StoreError(
            'IncorrectNumberOfFilesInPostRequest',
            'POST requires exactly one file upload per request.',
          ),
        );
      }
    });
    req.on('error', (error) => parser.destroy(error));
    acceptBody(context);
    req.pipe(parser);
  });
}
