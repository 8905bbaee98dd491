// Lint rules: type-aware, no floating promises, no `any` at borders, no blocking fs on request paths.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noSyncCalls = {
  selector: 'CallExpression[callee.property.name=/Sync$/], CallExpression[callee.name=/Sync$/]',
  message:
    'Synchronous calls block the event loop; use fs/promises (allowed only in src/bin and tests).',
};

// The target's store reaches the file system only through its disk seam (src/storage/io/disk.ts),
// so that tests can give it a faulty disk.
const diskSeamOnly = {
  paths: ['node:fs', 'node:fs/promises', 'fs', 'fs/promises', 'fs-xattr', 'cairn-fs-batch'].map(
    (name) => ({
      name,
      message: 'src/storage uses the disk seam (io/disk.ts: Disk, localDisk), not the file system.',
      allowTypeImports: true,
    }),
  ),
};

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'scripts/**', '*.config.*', '.dependency-cruiser.cjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', noSyncCalls],
    },
  },
  {
    files: ['src/storage/**'],
    ignores: [
      'src/storage/io/disk.ts',
      'src/storage/io/fs-batch.ts',
      'src/storage/io/fs-batch-writes.ts',
      'src/storage/io/work-file.ts',
      'src/storage/store-fixtures.ts',
      'src/**/*.test.ts',
    ],
    rules: { 'no-restricted-imports': ['error', diskSeamOnly] },
  },
  {
    files: ['src/bin/**', 'test/**', 'bench/**', 'src/**/*.test.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
