/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests', '<rootDir>/packages', '<rootDir>/services'],
  testMatch: ['**/*.test.ts'],
  // The fault suite has its own config and script (jest.faults.config.js, npm run test:faults).
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/tests/faults/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.check.json' }],
  },
  // Tests import workspace packages from source, so no build is needed to run unit tests.
  moduleNameMapper: {
    '^@careerfeed/(config|core|db|jobs|http|posts|digests|sharing|feeds|wordpress|comments|staff)$':
      '<rootDir>/packages/$1/src',
    // The slim entry points (package.json "exports"): what the related-posts thread loads.
    '^@careerfeed/(core|posts)/related$': '<rootDir>/packages/$1/src/related',
    '^@careerfeed/(ingest|feed|worker|cli)$': '<rootDir>/services/$1/src',
  },
  globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/tests/helpers/global-teardown.ts',
  testTimeout: 30000,
};
