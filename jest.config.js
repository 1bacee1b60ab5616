// Unit tests sit next to the code (src/**/*.test.ts); end-to-end suites live in test/.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // jose ships as ES modules only: it is transpiled to CommonJS like the sources.
  transform: { '^.+\\.[tj]s$': ['ts-jest', { isolatedModules: true, diagnostics: false, tsconfig: { allowJs: true } }] },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testTimeout: 30000,
};
