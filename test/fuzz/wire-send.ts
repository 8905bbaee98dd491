// Sends one fuzz request on a fresh socket and reads what comes back, bounded in bytes and time;
// the server may answer, close, or reset at any point, and none of that is an error here.
import { connect, type Socket } from 'node:net';
import type { FuzzRequest } from './fuzz-requests.js';

export interface WireOutcome {
  /** Status of the first answer (0: none came before the connection ended). */
  status: number;
  /** The first bytes of the answer, for a report. */
  preview: string;
  timedOut: boolean;
}

/** Longest wait for an answer: truncated bodies make a server wait, correctly. */
const answerTimeoutMs = 4_000;
/** Once an answer began, it counts as complete when nothing more came for this long. */
const idleMs = 250;
const maxAnswerBytes = 256 * 1024;
const chunkBytes = 16 * 1024;

export function sendRequest(port: number, request: FuzzRequest): Promise<WireOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    let receivedBytes = 0;
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (timedOut: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(idle);
      socket.destroy();
      const answer = Buffer.concat(received).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
      resolve({
        status: status === undefined ? 0 : Number(status),
        preview: answer.slice(0, 300),
        timedOut,
      });
    };
    const deadline = setTimeout(() => finish(received.length === 0), answerTimeoutMs);
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      receivedBytes += chunk.length;
      if (receivedBytes >= maxAnswerBytes) return finish(false);
      clearTimeout(idle);
      idle = setTimeout(() => finish(false), idleMs);
    });
    socket.on('connect', () => {
      void writeBody(socket, request, () => settled || received.length > 0);
    });
  });
}

async function writeBody(
  socket: Socket,
  request: FuzzRequest,
  answered: () => boolean,
): Promise<void> {
  const write = (bytes: Buffer): Promise<boolean> =>
    new Promise((resolve) => {
      if (socket.destroyed) return resolve(false);
      socket.write(bytes, (error) => resolve(error === undefined || error === null));
    });
  if (!(await write(request.head))) return;
  const { body } = request;
  switch (body.kind) {
    case 'none':
      return;
    case 'whole':
    case 'raw':
      for (let offset = 0; offset < body.bytes.length; offset += chunkBytes)
        if (!(await write(body.bytes.subarray(offset, offset + chunkBytes)))) return;
      return;
    case 'truncated':
      await write(body.bytes);
      // Hang up before the promised rest: the server must drop the request, not store a part.
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.destroy();
      return;
    case 'endless': {
      const chunk = Buffer.concat([
        Buffer.from(`${chunkBytes.toString(16)}\r\n`),
        Buffer.alloc(chunkBytes, 0x61),
        Buffer.from('\r\n'),
      ]);
      for (let sent = 0; sent < body.maxBytes && !answered(); sent += chunkBytes)
        if (!(await write(chunk))) return;
      socket.destroy();
      return;
    }
  }
}
