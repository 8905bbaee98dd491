// The plainest file server Node can run, as the platform's floor next to nginx: GET reads the file
// (small ones whole in one read, large ones streamed) and PUT writes the body to it, nothing else —
// no names checked, no metadata, no checksums. One worker per core behind node:cluster (as nginx
// runs one per core), so Cairn's figures can be read against what Node's HTTP stack alone reaches on
// the same cores (DELETE removes the file, so a bench run can clean up). In `memory` mode it touches
// no disk at all: a GET answers the file's bytes read once and kept, a PUT reads the body and drops
// it — the ceiling of Node's HTTP stack, which no server written on it can pass.
// Run as a program: `node node-file-server.js <root> <port> <workers> [files|memory]`.
import cluster from 'node:cluster';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join, normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { startServer, waitForHttp } from './processes.js';
import type { Scratch } from './scratch.js';

/** `files`: the plainest file server; `memory`: Node's HTTP stack alone (see the top comment). */
export type ServerMode = 'files' | 'memory';

/** Files up to this size are answered from one read into memory (as Cairn and nginx do). */
const wholeReadMax = 256 * 1024;

/** Starts the server as its own process tree serving `root`; stopped with the scratch directory. */
export async function startNodeFileServer(
  scratch: Scratch,
  root: string,
  port: number,
  workers: number,
  mode: ServerMode = 'files',
): Promise<string> {
  const program = fileURLToPath(import.meta.url);
  const server = startServer(process.execPath, [
    program,
    root,
    String(port),
    String(workers),
    mode,
  ]);
  scratch.defer(server.stop);
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForHttp(`${endpoint}/`);
  return endpoint;
}

async function answerGet(path: string, response: ServerResponse): Promise<void> {
  const file = await open(path, 'r');
  let handedOver = false;
  try {
    const { size } = await file.stat();
    response.setHeader('Content-Length', size);
    if (size <= wholeReadMax) {
      const body = Buffer.allocUnsafe(size);
      await file.read(body, 0, size, 0);
      response.end(body);
      return;
    }
    handedOver = true;
    await pipeline(createReadStream('', { fd: file, highWaterMark: 1024 * 1024 }), response);
  } finally {
    if (!handedOver) await file.close();
  }
}

async function answerPut(path: string, request: IncomingMessage, response: ServerResponse) {
  await mkdir(dirname(path), { recursive: true });
  await pipeline(request, createWriteStream(path));
  response.statusCode = 201;
  response.end();
}

/**
 * Memory mode's state. A GET answers as many bytes of one shared buffer as the last body PUT to this
 * worker had (a bench phase writes one size and reads it back, and node:cluster may hand the GET to
 * another worker than the PUT, so names are not kept); before any PUT, the file read once and kept.
 */
class MemoryFiles {
  readonly #read = new Map<string, Promise<Buffer>>();
  #lastPutSize: number | undefined;
  #zeros = Buffer.alloc(0);

  answerGet(path: string, response: ServerResponse): Promise<void> {
    const putSize = this.#lastPutSize;
    const body =
      putSize === undefined ? this.#fileBytes(path) : Promise.resolve(this.#zerosOf(putSize));
    return body.then((bytes) => {
      response.setHeader('Content-Length', bytes.length);
      response.end(bytes);
    });
  }

  answerPut(request: IncomingMessage, response: ServerResponse): Promise<void> {
    return new Promise((resolve, reject) => {
      let size = 0;
      request.on('error', reject);
      request.on('data', (chunk: Buffer) => (size += chunk.length));
      request.on('end', () => {
        this.#lastPutSize = size;
        response.statusCode = 201;
        response.end();
        resolve();
      });
    });
  }

  answerDelete(response: ServerResponse): Promise<void> {
    response.writeHead(204).end();
    return Promise.resolve();
  }

  #fileBytes(path: string): Promise<Buffer> {
    let bytes = this.#read.get(path);
    if (bytes === undefined) {
      bytes = readFile(path);
      this.#read.set(path, bytes);
      bytes.catch(() => this.#read.delete(path));
    }
    return bytes;
  }

  #zerosOf(size: number): Buffer {
    if (this.#zeros.length < size) this.#zeros = Buffer.alloc(size);
    return this.#zeros.subarray(0, size);
  }
}

function serve(root: string, port: number, mode: ServerMode): void {
  const memory = mode === 'memory' ? new MemoryFiles() : undefined;
  const server = createServer((request, response) => {
    const path = join(
      root,
      normalize(decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/')),
    );
    const answer =
      request.url === '/'
        ? Promise.resolve(void response.end('node file server\n'))
        : memory !== undefined
          ? request.method === 'PUT'
            ? memory.answerPut(request, response)
            : request.method === 'DELETE'
              ? memory.answerDelete(response)
              : memory.answerGet(path, response)
          : request.method === 'PUT'
            ? answerPut(path, request, response)
            : request.method === 'DELETE'
              ? unlink(path).then(() => void response.writeHead(204).end())
              : answerGet(path, response);
    answer.catch((error: NodeJS.ErrnoException) => {
      if (response.headersSent) response.destroy();
      else {
        response.statusCode = error.code === 'ENOENT' ? 404 : 500;
        response.end();
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [root = '.', port = '0', workers = '2', mode = 'files'] = process.argv.slice(2);
  if (mode !== 'files' && mode !== 'memory') throw new Error(`unknown mode ${mode}`);
  if (cluster.isPrimary) {
    for (let index = 0; index < Number(workers); index += 1) cluster.fork();
    process.on('SIGTERM', () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
      process.exit(0);
    });
  } else serve(root, Number(port), mode);
}
