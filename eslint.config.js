import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './lint/layers.js';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'proto/', 'openapi/', 'scratch/', 'clients/typescript/generated/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // the dependency rule: which folder may import which (docs/ARCHITECTURE.md, "Dependencies")
    plugins: { 'vpp-rpc': layers },
    rules: { 'vpp-rpc/layers': 'error' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
