// Error response body (AIStore's `cmn.ErrHTTP`); for HEAD it travels in the `Hdr-Error` header.

export interface ErrorBodyJson {
  message: string;
  method: string;
  url_path: string;
  remote_addr: string;
  caller: string;
  node: string;
  status: number;
  /** Cairn's stable error code (the `code` of the StoreError), for scripts. */
  tcode?: string;
}
