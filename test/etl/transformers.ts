// Transformer programs the ETL tests write to disk and run: a Node hpush server (upper-case,
// failures, a crash, a hang, the output PUT to the next pipeline stage or, by direct put, to a
// target), a Python hpull server (standard library only: MD5 of the object it fetches from
// AIS_TARGET_URL, delivered by direct put when asked), and an MD5 stage.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Node, hpush: upper-cases; `fail-*` objects answer 500, `crash-*` exit, `hang-*` never answer. */
const nodeUpper = String.raw`
const http = require('node:http');
const { createHash } = require('node:crypto');
const mode = process.env.TRANSFORM || 'upper';
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') { res.end('Running'); return; }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const name = decodeURIComponent(req.url.split('?')[0]);
    const args = new URL(req.url, 'http://x').searchParams.get('etl_args') || '';
    if (name.includes('/crash-')) { console.log('crashing on ' + name); process.exit(3); }
    if (name.includes('/hang-')) return;
    if (name.includes('/fail-')) { res.statusCode = 500; res.end('cannot transform ' + name); return; }
    const input = Buffer.concat(chunks);
    let output = mode === 'md5' ? Buffer.from(createHash('md5').update(input).digest('hex')) : Buffer.from(input.toString('latin1').toUpperCase(), 'latin1');
    if (args !== '') output = Buffer.concat([output, Buffer.from('|' + args)]);
    const next = (req.headers['ais-node-url'] || '').split(',').filter((u) => u !== '');
    if (next.length === 0) { res.setHeader('content-length', output.length); res.end(output); return; }
    const [first, ...rest] = next;
    // A next ETL stage is a bare origin (PUT there under this request's path); a target (a URL
    // with a path) is a direct put: to its host, under AIS_TARGET_URL's path (AIStore's webserver).
    const hop = new URL(first);
    const direct = hop.pathname !== '/';
    const to = direct ? hop.origin + new URL(process.env.AIS_TARGET_URL).pathname + hop.pathname + hop.search : first + req.url.split('?')[0];
    const forward = http.request(to, { method: 'PUT', headers: { 'content-length': output.length, 'ais-node-url': rest.join(',') } }, (answer) => {
      if (direct && answer.statusCode < 300) {
        console.log('direct put ' + hop.pathname + ' ' + output.length);
        answer.resume();
        res.writeHead(204, { 'ais-direct-put-length': output.length });
        res.end();
        return;
      }
      res.statusCode = answer.statusCode;
      answer.pipe(res);
    });
    forward.on('error', (e) => { res.statusCode = 500; res.end(String(e)); });
    forward.end(output);
  });
});
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening on ' + process.env.PORT));
`;

/**
 * Python, hpull: fetches the object from AIS_TARGET_URL and answers its MD5 (hex), or PUTs it to
 * the `Ais-Node-Url` target (direct put) and answers 204.
 */
const pythonMd5 = String.raw`
import hashlib, os, urllib.parse, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == '/health':
            body = b'Running'
        else:
            path = self.path.split('?')[0]
            with urllib.request.urlopen(os.environ['AIS_TARGET_URL'] + path) as source:
                body = hashlib.md5(source.read()).hexdigest().encode()
            direct = self.headers.get('Ais-Node-Url', '')
            if direct != '':
                # Direct put: to the destination's host, under AIS_TARGET_URL's path.
                hop = urllib.parse.urlsplit(direct)
                base = urllib.parse.urlsplit(os.environ['AIS_TARGET_URL'])
                to = urllib.parse.urlunsplit((base.scheme, hop.netloc, base.path + hop.path, hop.query, ''))
                urllib.request.urlopen(urllib.request.Request(to, data=body, method='PUT')).read()
                # One write(2) per line: print() writes its pieces one by one (python -u), and the
                # server's threads interleave them ('direct putdirect put  ...'), losing a line.
                os.write(1, ('direct put %s %d\n' % (hop.path, len(body))).encode())
                self.send_response(204)
                self.send_header('Ais-Direct-Put-Length', str(len(body)))
                self.end_headers()
                return
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

print('python transformer on', os.environ['PORT'], flush=True)
ThreadingHTTPServer((os.environ['HOST'], int(os.environ['PORT'])), Handler).serve_forever()
`;

export interface TransformerFiles {
  nodeUpper: string;
  pythonMd5: string;
}

export async function writeTransformers(dir: string): Promise<TransformerFiles> {
  const files = { nodeUpper: join(dir, 'upper.cjs'), pythonMd5: join(dir, 'md5.py') };
  await writeFile(files.nodeUpper, nodeUpper);
  await writeFile(files.pythonMd5, pythonMd5);
  return files;
}
