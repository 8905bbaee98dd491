// Lint of the Kubernetes manifests in deploy/k8s: each document is checked against the Kubernetes
// API schema (kubernetes-models' validators for types, enums and required fields, and its
// TypeScript interfaces through the compiler for misspelt or unknown fields, which the validators
// let through), then against Cairn itself: the `cairn node` flags exist, probes hit the health
// route, and services, budgets and volumes point at what the workloads define.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments, parse } from 'yaml';
import { nodeCommand } from '../../src/bin/node-command.js';
import { nodeFlagsFor } from '../../src/cli/playground/layout.js';
import { buildCli } from '../../src/cli/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const manifestDir = path.join(repoRoot, 'deploy/k8s');

/** kind → its model class (validation) and the module of its TypeScript interface. */
const kinds: Record<string, { model: new (data: never) => { validate(): void }; types: string }> = {
  StatefulSet: { model: StatefulSet, types: 'kubernetes-models/apps/v1/StatefulSet' },
  Service: { model: Service, types: 'kubernetes-models/v1/Service' },
  PodDisruptionBudget: {
    model: PodDisruptionBudget,
    types: 'kubernetes-models/policy/v1/PodDisruptionBudget',
  },
  ServiceAccount: { model: ServiceAccount, types: 'kubernetes-models/v1/ServiceAccount' },
  Role: { model: Role, types: 'kubernetes-models/rbac.authorization.k8s.io/v1/Role' },
  RoleBinding: {
    model: RoleBinding,
    types: 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding',
  },
};

interface Manifest {
  file: string;
  doc: Record<string, unknown> & { kind: string; metadata: { name: string } };
}

interface Container {
  name: string;
  command?: string[];
  lifecycle?: { preStop?: { exec?: { command?: string[] } } };
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path?: string; port?: string | number } };
  livenessProbe?: { httpGet?: { path?: string; port?: string | number } };
  volumeMounts?: { name: string; mountPath: string }[];
}

interface Workload {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        containers: Container[];
        serviceAccountName?: string;
        terminationGracePeriodSeconds?: number;
      };
    };
    volumeClaimTemplates?: { metadata: { name: string } }[];
  };
}

async function loadManifests(): Promise<{ resources: string[]; manifests: Manifest[] }> {
  const kustomization = parse(
    await readFile(path.join(manifestDir, 'kustomization.yaml'), 'utf8'),
  ) as { resources: string[] };
  const manifests: Manifest[] = [];
  for (const file of kustomization.resources) {
    const text = await readFile(path.join(manifestDir, file), 'utf8');
    for (const document of parseAllDocuments(text)) {
      assert.equal(document.errors.length, 0, `${file}: ${String(document.errors[0])}`);
      manifests.push({ file, doc: document.toJS() as Manifest['doc'] });
    }
  }
  return { resources: kustomization.resources, manifests };
}

/** Type errors of the manifests read as object literals of their kinds' interfaces. */
function typeErrors(manifests: Manifest[]): string[] {
  const virtualFile = path.join(manifestDir, 'manifests-as-types.ts');
  const imports = Object.entries(kinds).map(
    ([kind, { types }]) => `import type { I${kind} } from '${types}';`,
  );
  const bodies = manifests.map(
    ({ doc }, index) => `export const m${index}: I${doc.kind} = ${JSON.stringify(doc)};`,
  );
  const source = [...imports, ...bodies].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const readFileFromDisk = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === virtualFile ? source : readFileFromDisk(name));
  host.fileExists = (name) => name === virtualFile || ts.sys.fileExists(name);
  host.getSourceFile = (name, version, onError) =>
    name === virtualFile
      ? ts.createSourceFile(name, source, version)
      : getSourceFile(name, version, onError);
  const program = ts.createProgram([virtualFile], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

function workloads(manifests: Manifest[]): { name: string; workload: Workload }[] {
  return manifests
    .filter(({ doc }) => doc.kind === 'StatefulSet')
    .map(({ doc }) => ({ name: doc.metadata.name, workload: doc as unknown as Workload }));
}

/** The `cairn node` invocation inside a container's shell command, as flag → value. */
function nodeFlags(container: Container): Map<string, string> {
  const script = (container.command ?? []).join(' ');
  const line = script.split('\n').find((text) => text.includes('cairn node'));
  assert.ok(line !== undefined, `container ${container.name} runs no \`cairn node\``);
  const words = line
    .slice(line.indexOf('cairn node') + 'cairn node'.length)
    .trim()
    .split(/\s+/);
  const flags = new Map<string, string>();
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index] ?? '';
    if (word.startsWith('--')) flags.set(word, words[index + 1] ?? '');
  }
  return flags;
}

function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  test('the kustomization lists every manifest file of the folder', async () => {
    const { resources } = await loadManifests();
    const files = (await readdir(manifestDir)).filter(
      (name) => name.endsWith('.yaml') && name !== 'kustomization.yaml',
    );
    assert.deepEqual([...resources].sort(), files.sort());
  });

  test('every document passes the Kubernetes schema of its kind', async () => {
    const { manifests } = await loadManifests();
    assert.ok(manifests.length >= 6, `only ${manifests.length} documents`);
    for (const { file, doc } of manifests) {
      const kind = kinds[doc.kind];
      assert.ok(kind !== undefined, `${file}: no schema check for kind ${doc.kind}`);
      assert.doesNotThrow(
        () => new kind.model(doc as never).validate(),
        `${file}: ${doc.kind} ${doc.metadata.name}`,
      );
    }
  });

  test('no document has a field its kind does not define', async () => {
    const { manifests } = await loadManifests();
    const [first] = workloads(manifests);
    assert.ok(first !== undefined);
    // One program for all (the compiler's start-up is the cost): the real manifests plus a copy of
    // one with a misspelt field, which must be the only error found.
    const misspelt = structuredClone(first.workload) as unknown as Manifest['doc'];
    (misspelt.spec as Record<string, unknown>).replicaz = 3;
    const errors = typeErrors([...manifests, { file: 'misspelt', doc: misspelt }]);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0] ?? '', /replicaz/);
  });

  test('the schema validation catches a wrong type', async () => {
    const { manifests } = await loadManifests();
    const [first] = workloads(manifests);
    assert.ok(first !== undefined);
    const wrongType = structuredClone(first.workload);
    const [container] = wrongType.spec.template.spec.containers;
    assert.ok(container?.ports?.[0] !== undefined);
    (container.ports[0] as { containerPort: unknown }).containerPort = 'eighty';
    assert.throws(() => new StatefulSet(wrongType as never).validate(), /integer/);
  });

  test('nodes run with flags `cairn node` has (and Node.js flags for their role), probes on the health route, ports as named', async () => {
    const { manifests } = await loadManifests();
    const known = new Set(nodeCommand().options.map((option) => option.long));
    assert.equal(workloads(manifests).length, 2);
    for (const { name, workload } of workloads(manifests)) {
      const [container] = workload.spec.template.spec.containers;
      assert.ok(container !== undefined, name);
      const flags = nodeFlags(container);
      for (const flag of flags.keys()) assert.ok(known.has(flag), `${name}: unknown flag ${flag}`);
      // Node.js's own flags for the role (cli/playground/layout.ts), before the entry script.
      const script = (container.command ?? []).join(' ');
      const roleFlags = nodeFlagsFor(flags.get('--role') ?? '').join(' ');
      assert.ok(script.includes(`node ${roleFlags} `), `${name}: not started with ${roleFlags}`);
      const ports = new Map((container.ports ?? []).map((port) => [port.name, port.containerPort]));
      assert.equal(String(ports.get('public')), flags.get('--port'), `${name}: public port`);
      assert.equal(String(ports.get('intra')), flags.get('--intra-port'), `${name}: intra port`);
      assert.equal(container.readinessProbe?.httpGet?.path, '/v1/health', name);
      assert.equal(container.livenessProbe?.httpGet?.path, '/v1/health?live=true', name);
      for (const probe of [container.readinessProbe, container.livenessProbe])
        assert.equal(probe?.httpGet?.port, 'public', name);
      const mounts = new Map(
        (container.volumeMounts ?? []).map((mount) => [mount.mountPath, mount.name]),
      );
      const claims = new Set(
        (workload.spec.volumeClaimTemplates ?? []).map((c) => c.metadata.name),
      );
      const paths = [flags.get('--dir') ?? '', ...(flags.get('--mountpath') ?? '').split(',')];
      for (const dir of paths.filter(Boolean)) {
        const claim = mounts.get(dir);
        assert.ok(claim !== undefined && claims.has(claim), `${name}: ${dir} is not on a volume`);
      }
      assert.ok(
        labelsMatch(workload.spec.selector.matchLabels, workload.spec.template.metadata.labels),
        `${name}: selector does not match its pods`,
      );
    }
  });

  test('services and disruption budgets select pods of a workload, by ports they name', async () => {
    const { manifests } = await loadManifests();
    const pods = workloads(manifests).map(({ workload }) => workload.spec.template);
    for (const { doc } of manifests) {
      if (doc.kind !== 'Service' && doc.kind !== 'PodDisruptionBudget') continue;
      const spec = doc.spec as {
        selector: Record<string, string> | { matchLabels: Record<string, string> };
        ports?: { targetPort: string }[];
      };
      const selector =
        doc.kind === 'Service'
          ? (spec.selector as Record<string, string>)
          : (spec.selector as { matchLabels: Record<string, string> }).matchLabels;
      const selected = pods.filter((pod) => labelsMatch(selector, pod.metadata.labels));
      assert.equal(selected.length, 1, `${doc.kind} ${doc.metadata.name} selects one workload`);
      const portNames = new Set(
        selected[0]?.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)),
      );
      for (const port of spec.ports ?? [])
        assert.ok(portNames.has(port.targetPort), `${doc.metadata.name}: port ${port.targetPort}`);
    }
  });

  test('targets leave gracefully on scale-down: a preStop hook the CLI has, allowed to read its set', async () => {
    const { manifests } = await loadManifests();
    const target = workloads(manifests).find(({ name }) => name === 'cairn-target');
    assert.ok(target !== undefined);
    const { spec } = target.workload.spec.template;
    const hook = spec.containers[0]?.lifecycle?.preStop?.exec?.command ?? [];
    assert.deepEqual(hook.slice(0, 3), ['/usr/local/bin/cairn', 'k8s', 'pre-stop']);
    const preStop = buildCli({ entryScript: 'cairn.js' })
      .commands.find((command) => command.name() === 'k8s')
      ?.commands.find((command) => command.name() === 'pre-stop');
    assert.ok(preStop !== undefined, '`cairn k8s pre-stop` exists');
    const known = new Set(preStop.options.map((option) => option.long));
    for (const word of hook.filter((item) => item.startsWith('--')))
      assert.ok(known.has(word), `unknown pre-stop flag ${word}`);
    // The hook's own deadline (--timeout, 3300 s by default) fits in the grace period.
    assert.ok((spec.terminationGracePeriodSeconds ?? 30) > 3300);
    const account = spec.serviceAccountName;
    const byKind = (kind: string) => manifests.filter(({ doc }) => doc.kind === kind);
    assert.ok(byKind('ServiceAccount').some(({ doc }) => doc.metadata.name === account));
    const binding = byKind('RoleBinding').find(({ doc }) =>
      (doc.subjects as { name: string }[]).some((subject) => subject.name === account),
    );
    const roleName = (binding?.doc.roleRef as { name?: string } | undefined)?.name;
    const role = byKind('Role').find(({ doc }) => doc.metadata.name === roleName);
    const rules = (role?.doc.rules ?? []) as { resources: string[]; verbs: string[] }[];
    assert.ok(
      rules.some((rule) => rule.resources.includes('statefulsets') && rule.verbs.includes('get')),
      'the service account may get the StatefulSet',
    );
  });
});
