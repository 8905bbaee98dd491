// Splits a V8 CPU profile of a gateway or target under S3 load into the phases of a request (HTTP
// parse and request context, SigV4, routing, proxy out, answer in, target work, response), so the
// per-request CPU measured from /proc can be divided between them (docs/profiling.md).
// Usage: node dist/bench/profile-phases.js FILE.cpuprofile [--window START_US,END_US]
//          [--cpu-us-per-request N] [--top N]
// Each sample goes to the phase of the first frame a rule recognises, walking from the leaf to the
// root; native leaves (socket writes, file-system calls) take their callers' phase, except socket
// writes, which are counted apart: V8's sampler counts wall time, and a write that wakes the peer
// process often has the writer preempted inside it (perf shows 12% of a gateway's CPU in the kernel
// where V8 shows 30% in writes).
import { readFile } from 'node:fs/promises';

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: Frame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

const routingFunctions = new Set([
  'ownerOf',
  'servesLocally',
  'lookupBucket',
  'validateObjectName',
]);
const targetLeaves =
  /^(openFileHandle|fstat|read|close|getAttribute|setAttribute|writeBuffers|rename|unlink|fsync|fdatasync|open|mkdir|stat|lstat|ftruncate)$/;
const socketWrites = /^(writev|writeBuffer|writeLatin1String|writeUtf8String|writeAsciiString)$/;
const answerIn =
  /^(execute|onHeadersComplete|onBody|onMessageComplete|onMessageBegin|onHeaderField|onHeaderValue|onStatus|readMore|wasm_on_|onHttpSocketData|onData|onHeaders|onComplete|parseHeaders)/;

/** The phase a frame belongs to, or undefined when its callers decide. */
function phaseOf(frame: Frame): string | undefined {
  const { functionName: name, url } = frame;
  if (url.includes('/api/s3/auth/')) return 'SigV4';
  if (
    /\/placement\/|\/s3\/operation\.js|\/s3\/addressing\.js|write-guarantees\.js|bucket-lookup\.js|s3-settings\.js|\/storage\/layout\//.test(
      url,
    ) ||
    (routingFunctions.has(name) && url.includes('/src/'))
  )
    return 'routing and operation detection';
  if (/request-context\.js|\/util\/ids\.js/.test(url) || name === 'setRequestIdHeaders')
    return 'request context and ID';
  if (
    /\/storage\/|\/roles\/target\/|\/checksum\/|\/s3\/operations\/|object-headers\.js|conditions\.js|\/s3\/body\//.test(
      url,
    )
  )
    return 'target work (S3 operation and store)';
  if (url.includes('undici') || /proxy-handler\.js/.test(url)) {
    return answerIn.test(name) ? 'proxy: answer in' : 'proxy: request out';
  }
  if (/intra-client\.js|s3-forwarding\.js|\/s3\/forwarding\.js/.test(url)) {
    return name === '(anonymous)' ? 'proxy: answer in' : 'proxy: request out';
  }
  if (url.includes('node:_http_outgoing')) return 'response (headers and body to the client)';
  if (/node:_http_(server|common|incoming)/.test(url)) return 'HTTP parse (server)';
  if (/\/api\/s3\/|\/api\/common\/|node-runtime\.js/.test(url)) return 'S3 router';
  return undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const index = args.indexOf(name);
    return index < 0 ? undefined : args[index + 1];
  };
  const file = args[0];
  if (file === undefined) throw new Error('usage: profile-phases FILE.cpuprofile [options]');
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const [from, to] = (option('--window') ?? '-Infinity,Infinity').split(',').map(Number);
  const cpuUs = option('--cpu-us-per-request');
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  let busy = 0;
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    const leaf = byId.get(id);
    if (leaf === undefined || time < (from ?? -Infinity) || time > (to ?? Infinity)) return;
    const name = leaf.callFrame.functionName;
    if (name === '(idle)') return;
    busy += delta;
    let phase: string | undefined;
    if (name === '(garbage collector)') phase = 'garbage collector';
    else if (name === '(program)') phase = 'V8 and Node internals';
    else if (leaf.callFrame.url === '' && socketWrites.test(name))
      phase = 'socket write calls (wall time)';
    else if (leaf.callFrame.url === '' && targetLeaves.test(name))
      phase = 'target work (S3 operation and store)';
    for (let current: number | undefined = id; phase === undefined && current !== undefined;) {
      const node = byId.get(current);
      phase = node === undefined ? undefined : phaseOf(node.callFrame);
      current = parent.get(current);
    }
    phase ??= 'event loop, streams, timers';
    totals.set(phase, (totals.get(phase) ?? 0) + delta);
  });
  process.stdout.write(`${file}: ${(busy / 1e6).toFixed(1)} s busy\n`);
  for (const [phase, total] of [...totals].sort((a, b) => b[1] - a[1])) {
    const share = total / busy;
    const perRequest = cpuUs === undefined ? '' : `${(share * Number(cpuUs)).toFixed(0)} µs  `;
    process.stdout.write(`${(share * 100).toFixed(1).padStart(5)}%  ${perRequest}${phase}\n`);
  }
}

await main();
