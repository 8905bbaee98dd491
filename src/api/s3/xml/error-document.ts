// Reading S3 error documents back (answers of other nodes to forwarded requests).
import { XMLParser } from 'fast-xml-parser';
import { asRecord } from '../../../util/json.js';

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });

/** `<Error><Code/><Message/></Error>` into its code and message (undefined when not one). */
export function parseS3ErrorXml(text: string): { code: string; message: string } | undefined {
  try {
    const error = asRecord(asRecord(parser.parse(text) as unknown)?.Error);
    if (typeof error?.Code !== 'string') return undefined;
    return { code: error.Code, message: typeof error.Message === 'string' ? error.Message : '' };
  } catch {
    return undefined;
  }
}
