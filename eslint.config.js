// Lint rules: type-aware, no floating promises, no `any` at borders, no blocking fs on request paths.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noSyncCalls = {
  selector: 'CallExpression[callee.property.name=/Sync$/], CallExpression[callee.name=/Sync$/]',
  message:
    'Synchronous calls block the event loop; use fs/promises (allowed only in src/bin and tests).',
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
    files: ['src/bin/**', 'test/**', 'bench/**', 'src/**/*.test.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
