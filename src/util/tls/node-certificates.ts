// A node's X.509 material (certificate, key, optional CA bundle): read from files, checked before
// use (a key that does not match the certificate, or an expired certificate, is refused), and
// reloaded when the files change or on request, without restarting the servers that use it.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

/** Where the node's TLS files are. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
  /** CA bundle that signed the nodes' certificates: trusted for peers, and for client certificates. */
  readonly ca?: string | undefined;
}

/** One loaded, checked set of PEM files. */
export interface CertificateMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer | undefined;
  /** The parsed certificate (subject, validity, fingerprint for logs and queries). */
  readonly x509: X509Certificate;
}

/** Reads and checks the files; throws an Error naming the file and the problem. */
export async function loadCertificates(
  files: CertificateFiles,
  nowMs: number,
): Promise<CertificateMaterial> {
  const read = async (path: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new Error(`cannot read TLS ${what} ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  const [cert, key, ca] = await Promise.all([
    read(files.cert, 'certificate'),
    read(files.key, 'key'),
    files.ca === undefined ? undefined : read(files.ca, 'CA bundle'),
  ]);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`TLS certificate ${files.cert} is not a PEM certificate: ${String(error)}`, {
      cause: error,
    });
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (error) {
    throw new Error(`TLS key ${files.key} is not a PEM private key: ${String(error)}`, {
      cause: error,
    });
  }
  if (!matches) throw new Error(`TLS key ${files.key} does not match ${files.cert}`);
  if (Date.parse(x509.validTo) <= nowMs)
    throw new Error(`TLS certificate ${files.cert} expired on ${x509.validTo}`);
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch (error) {
      throw new Error(`TLS CA bundle ${files.ca} is not a PEM certificate: ${String(error)}`, {
        cause: error,
      });
    }
  }
  return Object.freeze({ cert, key, ca, x509 });
}

type Listener = (material: CertificateMaterial) => void;

/**
 * The node's current certificate set. `reload()` re-reads the files and, only when they load and
 * check out, swaps them in and tells the listeners (servers and client pools); a bad file leaves
 * the previous set in use. `watch()` polls the files' change times, so a renewed certificate
 * written over the old one (or renamed into place, as cert-manager and certbot do) is picked up.
 */
export class NodeCertificates {
  #current: CertificateMaterial;
  /** The files' sizes and change times when last read (loaded or refused). */
  #stamp: string;
  readonly #listeners: Listener[] = [];
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly files: CertificateFiles,
    material: CertificateMaterial,
    stamp: string,
    private readonly nowMs: () => number,
  ) {
    this.#current = material;
    this.#stamp = stamp;
  }

  static async load(files: CertificateFiles, nowMs: () => number): Promise<NodeCertificates> {
    const stamp = await filesStamp(files);
    return new NodeCertificates(files, await loadCertificates(files, nowMs()), stamp, nowMs);
  }

  get current(): CertificateMaterial {
    return this.#current;
  }

  onChange(listener: Listener): void {
    this.#listeners.push(listener);
  }

  /** Re-reads the files; throws (keeping the set in use) when they do not load. */
  async reload(): Promise<CertificateMaterial> {
    this.#stamp = await filesStamp(this.files);
    const material = await loadCertificates(this.files, this.nowMs());
    this.#current = material;
    for (const listener of this.#listeners) listener(material);
    return material;
  }

  /**
   * Reloads when a file's size or change time differs from when it was last read; errors go to
   * `onError` once per change (a bad file is not re-read until it changes again).
   */
  watch(intervalMs: number, onError: (error: unknown) => void): void {
    this.#timer = setInterval(() => {
      filesStamp(this.files)
        .then((stamp) => (stamp === this.#stamp ? undefined : this.reload()))
        .catch(onError);
    }, intervalMs);
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

async function filesStamp(files: CertificateFiles): Promise<string> {
  const paths = [files.cert, files.key, ...(files.ca === undefined ? [] : [files.ca])];
  const stats = await Promise.all(paths.map((path) => stat(path).catch(() => undefined)));
  return stats.map((s) => (s === undefined ? '-' : `${s.size}:${s.ctimeMs}:${s.ino}`)).join('|');
}
