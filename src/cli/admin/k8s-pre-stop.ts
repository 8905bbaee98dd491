// `cairn k8s pre-stop`: the preStop hook of a target pod in Kubernetes (deploy/k8s/targets.yaml).
// A pod of a StatefulSet stops for a restart (upgrade, drain, crash) or because the set was scaled
// down; only the API server knows which. When the pod's ordinal is no longer below the set's
// replica count, it is being scaled away: the hook takes the target out of the cluster (a
// decommission that moves its objects to the others and keeps the process running) and waits for
// that, so scaling down loses nothing. On a restart it does nothing.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { sleep } from '../../util/time.js';
import { positiveInteger } from '../arguments.js';
import type { CliIo } from '../cli-io.js';
import { commandAction, type CommandContext } from '../context.js';
import { waitForJob } from './job-commands.js';

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

interface PreStopOptions {
  dir: string;
  pod: string;
  namespace?: string;
  apiUrl?: string;
  tokenFile: string;
  timeout: number;
}

/** The StatefulSet name and ordinal of a pod named `<set>-<ordinal>`. */
function podIdentity(pod: string): { set: string; ordinal: number } {
  const match = /^(.+)-(\d+)$/.exec(pod);
  if (match === null) throw new Error(`pod name "${pod}" is not <statefulset>-<ordinal>`);
  return { set: match[1] ?? '', ordinal: Number(match[2]) };
}

/** `spec.replicas` of the StatefulSet, read with the pod's service account. */
async function desiredReplicas(options: PreStopOptions, set: string): Promise<number> {
  const namespace =
    options.namespace ?? (await readFile(`${serviceAccountDir}/namespace`, 'utf8')).trim();
  const host = process.env['KUBERNETES_SERVICE_HOST'];
  const port = process.env['KUBERNETES_SERVICE_PORT'] ?? '443';
  const apiUrl = options.apiUrl ?? (host === undefined ? undefined : `https://${host}:${port}`);
  if (apiUrl === undefined)
    throw new Error('no Kubernetes API: KUBERNETES_SERVICE_HOST is not set (give --api-url)');
  const token = (await readFile(options.tokenFile, 'utf8')).trim();
  const url = `${apiUrl}/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/statefulsets/${encodeURIComponent(set)}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${text.slice(0, 200)}`);
  const replicas = (JSON.parse(text) as { spec?: { replicas?: unknown } }).spec?.replicas;
  // Kubernetes defaults an absent replica count to 1.
  return typeof replicas === 'number' ? replicas : 1;
}

async function preStop(context: CommandContext, options: PreStopOptions): Promise<void> {
  const { set, ordinal } = podIdentity(options.pod);
  const replicas = await desiredReplicas(options, set);
  if (ordinal < replicas) {
    context.note(`${options.pod}: ${set} keeps ${replicas} replica(s): a restart, nothing to do`);
    return;
  }
  const id = (await readFile(`${options.dir}/node-id`, 'utf8')).trim();
  context.note(`${options.pod}: ${set} scaled to ${replicas}: removing target ${id}`);
  const jobId = await context.client.cluster.decommission(id, {
    noShutdown: true,
    removeUserData: true,
  });
  const deadline = Date.now() + options.timeout * 1000;
  if (jobId !== '') await waitForJob(context, jobId, options.timeout);
  // The primary takes the node out of the map after the rebalance: the pod may stop only then.
  while ((await context.client.clusterMap({ refresh: true })).tmap[id] !== undefined) {
    if (Date.now() > deadline) throw new Error(`target ${id} still in the cluster map`);
    await sleep(1000);
  }
  context.print(`removed ${id}`);
}

/** Registers `cairn k8s pre-stop`. */
export function registerK8sCommands(program: Command, io: CliIo): void {
  program
    .command('k8s')
    .description('hooks for running Cairn in Kubernetes (deploy/k8s)')
    .command('pre-stop')
    .description(
      "a target pod's preStop hook: when its StatefulSet was scaled below it, move its objects away and leave the cluster",
    )
    .option('--dir <dir>', "the node's directory (its node-id)", '/cairn/state')
    .option('--pod <name>', 'this pod (<statefulset>-<ordinal>)', process.env['HOSTNAME'] ?? '')
    .option('--namespace <ns>', "the pod's namespace (default: its service account's)")
    .option('--api-url <url>', 'Kubernetes API (default: from KUBERNETES_SERVICE_HOST/PORT)')
    .option('--token-file <file>', 'service account token', `${serviceAccountDir}/token`)
    .option('--timeout <seconds>', 'give up waiting after this long', positiveInteger, 3300)
    .action(
      commandAction(io, async (context, options: PreStopOptions) => {
        await preStop(context, options);
      }),
    );
}
