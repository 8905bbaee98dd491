// A node's three logical networks (AIStore's public, intra-control and intra-data): which address
// each server binds to, which it advertises in the cluster map, and whether intra-data has its own.

/** One network's server: bound to `listenHost`, advertised as `host` (with the bound port). */
export interface NetworkEndpoint {
  readonly host: string;
  readonly listenHost: string;
  /** 0 = ephemeral. */
  readonly port: number;
}

export interface NodeNetworks {
  readonly public: NetworkEndpoint;
  readonly intraControl: NetworkEndpoint;
  /** Absent: intra-data traffic shares the intra-control server (the default, as before). */
  readonly intraData: NetworkEndpoint | undefined;
}

interface NetworkSettings {
  host: string;
  port: number;
  intraPort: number;
  intraControlHost?: string | undefined;
  intraDataHost?: string | undefined;
  intraDataPort?: number | undefined;
  listenHost?: string | undefined;
}

export function resolveNetworks(settings: NetworkSettings): NodeNetworks {
  const endpoint = (host: string, port: number): NetworkEndpoint =>
    Object.freeze({ host, listenHost: settings.listenHost ?? host, port });
  const controlHost = settings.intraControlHost ?? settings.host;
  const dataHost = settings.intraDataHost ?? controlHost;
  const ownData = settings.intraDataPort !== undefined || dataHost !== controlHost;
  return Object.freeze({
    public: endpoint(settings.host, settings.port),
    intraControl: endpoint(controlHost, settings.intraPort),
    intraData: ownData ? endpoint(dataHost, settings.intraDataPort ?? 0) : undefined,
  });
}

/** `http://host:port` (`https://` for a TLS server), with an IPv6 address in brackets. */
export function httpUrl(host: string, port: number, tls = false): string {
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
