// The certificate a node serves as `what=tls_certificate`, `load-x509` and the logs show it.
import type { TlsCertificateJson } from '../../../wire/index.js';
import type { CertificateMaterial } from '../../../util/tls/node-certificates.js';

/** The certificate as logs and queries show it. */
export function describeCertificate(
  material: CertificateMaterial,
  file: string,
): TlsCertificateJson {
  const { x509 } = material;
  return {
    file,
    subject: x509.subject,
    issuer: x509.issuer,
    subject_alt_name: x509.subjectAltName ?? '',
    valid_from: x509.validFrom,
    valid_to: x509.validTo,
    fingerprint256: x509.fingerprint256,
    serial_number: x509.serialNumber,
  };
}
