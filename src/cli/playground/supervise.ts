// `cairn playground supervise`: the process `playground start` leaves running beside the nodes.
// It runs them as its children (Supervisor), serves the control socket, and on a `stop` request
// or SIGTERM/SIGINT stops the nodes, marks itself gone in the record and exits.
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { CommandError, errorLine } from '../cli-errors.js';
import {
  controlSocketPath,
  parseNodeLaunch,
  readLines,
  type ControlReply,
  type ExitEvent,
} from './control-protocol.js';
import { stopGraceMs } from './processes.js';
import { readState } from './state.js';
import { Supervisor } from './supervisor.js';

/** Supervises the playground in `dir` until it is stopped; `log` writes one line. */
export async function runSupervisor(
  dirArgument: string,
  log: (line: string) => void,
): Promise<void> {
  const dir = resolve(dirArgument);
  const state = await readState(dir);
  if (state === undefined) throw new CommandError(`no playground recorded in ${dir}`);
  const socketPath = controlSocketPath(dir);
  const clients = new Set<Socket>();
  const broadcast = (event: ExitEvent): void => {
    const line = `${JSON.stringify(event)}\n`;
    for (const client of clients) if (client.writable) client.write(line);
  };
  const supervisor = new Supervisor(dir, state, log, broadcast);

  let stopping: Promise<ControlReply> | undefined;
  let finish = (): void => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const stop = (why: string): Promise<ControlReply> => {
    stopping ??= (async () => {
      log(`stopping the playground (${why})`);
      const { stopped, killed } = await supervisor.stopAll(stopGraceMs);
      log(`stopped ${stopped} node(s), ${killed} of them with SIGKILL`);
      return { id: 0, stopped, killed };
    })();
    return stopping;
  };
  for (const name of ['SIGTERM', 'SIGINT'] as const) {
    process.on(name, () => {
      stop(name).then(finish, (error: unknown) => {
        log(`stopping failed: ${errorLine(error)}`);
        finish();
      });
    });
  }
  // Detached from any terminal, so a hangup is noise, not a reason to leave the nodes alone.
  process.on('SIGHUP', () => log('ignoring SIGHUP'));

  const handle = async (line: string, client: Socket): Promise<void> => {
    let reply: ControlReply;
    let id = 0;
    try {
      const request = JSON.parse(line) as { id?: unknown; op?: unknown; node?: unknown };
      id = typeof request.id === 'number' ? request.id : 0;
      if (request.op === 'start') {
        reply = { id, pid: await supervisor.start(parseNodeLaunch(request.node, dir)) };
      } else if (request.op === 'stop') {
        reply = { ...(await stop('stop requested')), id };
      } else {
        reply = { id, error: `unknown request ${JSON.stringify(request.op)}` };
      }
    } catch (error) {
      reply = { id, error: errorLine(error) };
    }
    // The stop reply must reach its client before the supervisor exits.
    if (client.writable)
      await new Promise((done) => client.write(`${JSON.stringify(reply)}\n`, done));
    if (reply.stopped !== undefined) finish();
  };
  const server = createServer((client) => {
    clients.add(client);
    client.on('error', () => client.destroy());
    client.on('close', () => clients.delete(client));
    readLines(client, (line) => void handle(line, client));
  });

  await rm(socketPath, { force: true }); // left behind by a supervisor that was killed
  await listen(server, socketPath);
  await chmod(socketPath, 0o600);
  state.supervisorPid = process.pid;
  await supervisor.persist();
  log(`supervising the playground in ${dir} (control socket ${socketPath})`);

  await finished;
  server.close();
  for (const client of clients) client.end();
  await rm(socketPath, { force: true });
  state.supervisorPid = null;
  await supervisor.persist();
  log('supervisor exiting');
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      server.on('error', () => undefined); // after listening, errors are per connection
      resolve();
    });
  });
}
