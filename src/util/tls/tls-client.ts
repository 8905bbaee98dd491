// How a process's HTTP clients trust TLS servers (and, for mutual TLS, which certificate they
// present), as an undici connector that follows certificate reloads: pooled connections keep the
// material they were opened with, new ones take the current material.
import { buildConnector } from 'undici';

/** What a client trusts and presents. */
export interface ClientTls {
  /** PEM CA bundle to trust instead of the system's CAs. */
  readonly ca?: Buffer | string | undefined;
  /** PEM certificate and key to present (mutual TLS between nodes). */
  readonly cert?: Buffer | undefined;
  readonly key?: Buffer | undefined;
  /** False: accept any server certificate (self-signed, tests). */
  readonly verify: boolean;
}

/** An undici `connect` option whose TLS material can be swapped; plain `http:` is unaffected. */
export class TlsConnector {
  #connect: buildConnector.connector;

  constructor(
    tls: ClientTls,
    private readonly timeoutMs?: number,
  ) {
    this.#connect = this.#build(tls);
  }

  /** New connections use `tls` from now on. */
  update(tls: ClientTls): void {
    this.#connect = this.#build(tls);
  }

  /** Pass as undici's `Agent({ connect })`. */
  readonly connect: buildConnector.connector = (options, callback) => {
    this.#connect(options, callback);
  };

  #build(tls: ClientTls): buildConnector.connector {
    const present = tls.cert !== undefined && tls.key !== undefined;
    return buildConnector({
      rejectUnauthorized: tls.verify,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(present ? { cert: tls.cert, key: tls.key } : {}),
      ...(this.timeoutMs === undefined ? {} : { timeout: this.timeoutMs }),
    });
  }
}
