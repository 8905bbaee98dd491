// Who sent a browser form upload (S3 POST Object): the form carries its own AWS Signature V4 —
// the `policy` field signed with the key of `x-amz-credential` — instead of an Authorization
// header. A form without signature fields is anonymous.
import { StoreError } from '../../../errors/index.js';
import {
  malformed,
  parseAmzDateText,
  parseCredential,
  requireSignature,
  unsignedPayload,
  type AuthResult,
  type AuthSettings,
} from './authenticate.js';
import { deriveSigningKey, signatureMatches, signingAlgorithm } from './signature-v4.js';

/** The fields a signed form must have (names in lower case). */
const signedFields = ['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature'];

function missingField(name: string): StoreError {
  return new StoreError(
    'InvalidArgument',
    `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
  );
}

/**
 * Verifies the form's signature of its policy; throws the S3 error of a missing, malformed or
 * wrong one. `fields` are the fields before the file, names in lower case.
 */
export function authenticatePostForm(
  fields: ReadonlyMap<string, string>,
  settings: Pick<AuthSettings, 'enabled' | 'secretOf'>,
): AuthResult {
  const unsigned = { contentSha256: unsignedPayload };
  if (!signedFields.some((name) => fields.has(name))) {
    if (fields.has('awsaccesskeyid') || fields.has('signature'))
      throw new StoreError('NotImplemented', 'AWS Signature Version 2 is not implemented yet');
    // A policy binds only when signed: a form with one and no signature is refused, as in S3.
    if (fields.has('policy') && settings.enabled) throw missingField('x-amz-signature');
    return settings.enabled ? { ...unsigned, anonymous: true } : unsigned;
  }
  if (!settings.enabled) return unsigned;
  for (const name of [...signedFields, 'policy']) if (!fields.has(name)) throw missingField(name);
  const policy = fields.get('policy') ?? '';
  if (fields.get('x-amz-algorithm') !== signingAlgorithm)
    throw malformed(`x-amz-algorithm must be ${signingAlgorithm}`);
  const credential = parseCredential(fields.get('x-amz-credential'));
  const amzDate = fields.get('x-amz-date') ?? '';
  parseAmzDateText(amzDate);
  if (!amzDate.startsWith(credential.date))
    throw malformed('the credential date does not match x-amz-date');
  const signature = requireSignature(fields.get('x-amz-signature'));
  const secretKey = settings.secretOf(credential.accessKey);
  if (secretKey === undefined) {
    throw new StoreError(
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  }
  const signingKey = deriveSigningKey(
    secretKey,
    credential.date,
    credential.region,
    credential.service,
  );
  if (!signatureMatches(signingKey, policy, signature)) {
    throw new StoreError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }
  return { ...unsigned, accessKey: credential.accessKey };
}
