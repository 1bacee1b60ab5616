import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// One door: a request context (and with it the store) is opened only where a request arrives (src/http,
// app.ts; later jobs), and the router then asks the access policy before any route runs. The engine and the
// domains only ever run under a context they were handed (or an entry's child context).
const OPENS_REQUESTS = {
  group: ['**/request-context'],
  importNames: ['openRequestContext'],
  message: 'Only where a request arrives (src/http, app.ts) is a request context opened; routes run under the one they are handed.',
};

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
          patterns: [
            { group: ['**/imaging/**', '**/identity/**', '**/auth/**', '**/http/**', '**/cli/**', '**/app'], message: 'src/fhir must not depend on a domain, the transport or the composition root.' },
            OPENS_REQUESTS,
          ],
        },
      ],
    },
  },
  {
    // Domains (imaging, identity, auth) sit beside the engine: they use it, never the transport or the
    // composition root that host them.
    files: ['src/imaging/**/*.ts', 'src/identity/**/*.ts', 'src/auth/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'express', message: 'Only src/http imports express.' }],
          patterns: [{ group: ['**/http/**', '**/cli/**', '**/app'], message: 'A domain must not depend on the transport or the composition root.' }, OPENS_REQUESTS],
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
