// Layering rules from docs/style: a folder imports only its own layer or lower ones.
const allowed = {
  util: [],
  wire: [],
  errors: ['util', 'wire'],
  config: ['util', 'wire', 'errors'],
  checksum: ['util', 'wire', 'errors'],
  placement: ['util', 'wire'],
  transport: ['util', 'wire', 'errors'],
  auth: ['util', 'wire', 'errors', 'config', 'checksum'],
  cluster: ['util', 'wire', 'errors', 'config', 'checksum', 'placement', 'transport'],
  storage: ['util', 'wire', 'errors', 'config', 'checksum', 'placement'],
  archive: ['util', 'wire', 'errors'],
  jobs: [
    'archive',
    'util',
    'wire',
    'errors',
    'config',
    'checksum',
    'placement',
    'transport',
    'cluster',
    'storage',
  ],
  protect: [
    'archive',
    'util',
    'wire',
    'errors',
    'config',
    'checksum',
    'placement',
    'transport',
    'cluster',
    'storage',
    'jobs',
  ],
  transforms: [
    'util',
    'wire',
    'errors',
    'config',
    'checksum',
    'placement',
    'transport',
    'cluster',
    'storage',
    'jobs',
  ],
  // A remote AIS cluster is reached with Cairn's own native-API client.
  backends: ['util', 'wire', 'errors', 'transport', 'storage', 'checksum', 'sdk'],
  api: ['util', 'wire', 'errors', 'auth', 'checksum', 'archive'],
  roles: [
    'util',
    'wire',
    'errors',
    'config',
    'checksum',
    'placement',
    'transport',
    'auth',
    'cluster',
    'storage',
    'jobs',
    'protect',
    'transforms',
    'backends',
    'api',
    'archive',
  ],
  // The SDK computes HRW placement itself, as AIStore's SDK does, so it may use the pure placement module.
  sdk: ['util', 'wire', 'placement'],
  cli: ['util', 'wire', 'sdk', 'placement'],
  bin: null,
};

const layerRules = Object.entries(allowed)
  .filter(([, deps]) => deps !== null)
  .map(([folder, deps]) => ({
    name: `layer-${folder}`,
    comment: `src/${folder} may import only: ${deps.join(', ') || 'node builtins'}`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: {
      path: '^src/',
      pathNot: [`^src/${folder}/`, ...deps.map((d) => `^src/${d}/`)],
    },
  }));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'nothing-imports-bin',
      severity: 'error',
      from: { pathNot: '^src/bin/' },
      to: { path: '^src/bin/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
