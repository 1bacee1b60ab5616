import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [] }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/http/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'express', message: 'Only src/http imports express.' }] }] },
  },
  {
    // The FHIR engine is transport- and domain-neutral: domains register beside it from app.ts, never the reverse.
    files: ['src/fhir/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'express', message: 'Only src/http imports express.' }],
          patterns: [{ group: ['**/imaging/**', '**/identity/**', '**/http/**', '**/cli/**', '**/app'], message: 'src/fhir must not depend on a domain, the transport or the composition root.' }],
        },
      ],
    },
  },
  {
    // The CommonJS entry points (bin shim, tool configs) run directly under Node.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
