/**
 * The fault suite (`npm run test:faults`, docs/development.md): whole deployments as real
 * processes, one scenario per file under tests/faults/, run one at a time.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/tests/faults'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  maxWorkers: 1,
  testTimeout: 240_000,
};
