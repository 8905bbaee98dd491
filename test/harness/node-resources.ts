// What a node process holds, read from /proc (Linux): open descriptors by kind, its TCP sockets by
// role (client connections on its public port, peers on its intra port, its own outgoing pools),
// and resident memory. Leak checks compare these before and after a workload.
import { readFile, readdir, readlink } from 'node:fs/promises';
import type { NodeProcess } from './node-process.js';

export interface SocketCensus {
  /** Accepted connections on the public port (clients). */
  publicClients: number;
  /** Accepted connections on the intra-cluster port (other nodes' pools). */
  intraPeers: number;
  /** Connections this node opened (its keep-alive pools to other nodes). */
  outgoing: number;
  /** Sockets whose peer has closed but this node has not (CLOSE_WAIT): always a leak in waiting. */
  closeWait: number;
  /** Connected sockets whose other end no longer exists anywhere on this host. */
  orphaned: number;
  listening: number;
  /** Unix and UDP sockets (stdio to the parent, DNS). */
  other: number;
  /**
   * Socket descriptors in no socket table: TCP connections the kernel has closed (the peer reset
   * them) that the process still holds. A leak: the process never destroyed the socket.
   */
  detached: number;
}

export interface NodeCensus {
  descriptors: number;
  /** Targets of descriptors that are files or directories (not sockets, pipes, anon inodes). */
  files: string[];
  sockets: SocketCensus;
  residentBytes: number;
}

interface TcpEntry {
  /** `hex-address:hex-port` as /proc/net/tcp gives them. */
  local: string;
  remote: string;
  localPort: number;
  state: number;
}

const tcpListen = 0x0a;
const tcpCloseWait = 0x08;

/** The host's TCP sockets (the network namespace of `pid`), by inode. */
async function tcpTable(pid: number): Promise<Map<string, TcpEntry>> {
  const table = new Map<string, TcpEntry>();
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = await readFile(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [, local, remote, state, , , , , , inode] = fields;
      if (local === undefined || remote === undefined || state === undefined) continue;
      if (inode === undefined) continue;
      const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      // Sockets closed by their owner keep inode 0 while in TIME_WAIT and the like.
      const key = inode === '0' ? `closed:${table.size}` : inode;
      table.set(key, { local, remote, localPort: port, state: Number.parseInt(state, 16) });
    }
  }
  return table;
}

/** Inodes of the Unix and UDP sockets of the host (the network namespace of `pid`). */
async function otherSocketInodes(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const [file, column] of [
    ['unix', 6],
    ['udp', 9],
    ['udp6', 9],
  ] as const) {
    const text = await readFile(`/proc/${pid}/net/${file}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const inode = line.trim().split(/\s+/)[column];
      if (inode !== undefined) inodes.add(inode);
    }
  }
  return inodes;
}

/** Descriptors, sockets and resident memory of a running node. */
export async function censusOf(node: NodeProcess): Promise<NodeCensus> {
  const pid = node.pid;
  const entries = await readdir(`/proc/${pid}/fd`);
  const links: string[] = [];
  for (const entry of entries) {
    try {
      links.push(await readlink(`/proc/${pid}/fd/${entry}`));
    } catch {
      // closed while we looked
    }
  }
  const table = await tcpTable(pid);
  const endpoints = new Set([...table.values()].map((entry) => `${entry.local}>${entry.remote}`));
  const sockets: SocketCensus = {
    publicClients: 0,
    intraPeers: 0,
    outgoing: 0,
    closeWait: 0,
    orphaned: 0,
    listening: 0,
    other: 0,
    detached: 0,
  };
  const otherInodes = await otherSocketInodes(pid);
  const files: string[] = [];
  for (const link of links) {
    const socket = /^socket:\[(\d+)\]$/.exec(link);
    if (socket === null) {
      if (!link.startsWith('pipe:') && !link.startsWith('anon_inode:')) files.push(link);
      continue;
    }
    const entry = table.get(socket[1] ?? '');
    if (entry === undefined) {
      if (otherInodes.has(socket[1] ?? '')) sockets.other += 1;
      else sockets.detached += 1;
    } else if (entry.state === tcpListen) sockets.listening += 1;
    else {
      if (entry.state === tcpCloseWait) sockets.closeWait += 1;
      if (!endpoints.has(`${entry.remote}>${entry.local}`)) sockets.orphaned += 1;
      if (entry.localPort === node.port) sockets.publicClients += 1;
      else if (entry.localPort === node.intraPort) sockets.intraPeers += 1;
      else sockets.outgoing += 1;
    }
  }
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const resident = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
  return { descriptors: links.length, files: files.sort(), sockets, residentBytes: resident };
}

/** One line for logs: descriptors by kind, sockets by role, resident memory. */
export function describeCensus(census: NodeCensus): string {
  const { sockets } = census;
  return (
    `fd ${census.descriptors} (files ${census.files.length}, public ${sockets.publicClients}, ` +
    `intra-in ${sockets.intraPeers}, out ${sockets.outgoing}, close-wait ${sockets.closeWait}, ` +
    `orphaned ${sockets.orphaned}, detached ${sockets.detached}, other ${sockets.other}) rss ${(census.residentBytes / 1024 / 1024).toFixed(0)} MiB`
  );
}
