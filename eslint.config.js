// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

const SERVICES = ['ingest', 'feed', 'worker', 'cli'];
const SERVICE_PACKAGES = SERVICES.map((service) => `@careerfeed/${service}`);
/** The import pattern that keeps a service from reaching into another one, by name or by path. */
function otherServices(service) {
  const others = SERVICES.filter((other) => other !== service);
  return {
    group: [
      ...others.map((other) => `@careerfeed/${other}`),
      ...others.map((other) => `**/services/${other}/**`),
      // A relative path from one service into another: ../../worker/src/…
      ...others.map((other) => `**/${other}/src/**`),
    ],
    message: `services/${service} must not import another service: move what both need into a package`,
  };
}

module.exports = tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'coverage/**', 'tests/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Scripts served to browsers as they are (no build step): the browser's globals, no modules.
  {
    files: ['services/*/console-assets/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...require('globals').browser } },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  // Import boundaries: services -> packages, never services -> services, never packages -> services.
  // A service is wiring around packages; what two services need lives in a package.
  {
    files: ['packages/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...SERVICE_PACKAGES, '**/services/**'],
              message: 'packages/ and bench/ must not import a service: use the packages it is built from',
            },
          ],
        },
      ],
    },
  },
  ...SERVICES.map((service) => ({
    files: [`services/${service}/**/*.ts`],
    ignores: ['services/*/src/**/*.routes.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [otherServices(service)] }],
    },
  })),
  ...SERVICES.map((service) => ({
    files: [`services/${service}/src/**/*.routes.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            otherServices(service),
            {
              group: ['@careerfeed/db', 'kysely', 'pg', 'better-sqlite3', '*.repository'],
              message: 'routes call services, not the database',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['tests/**/*.ts', '**/*.test.ts', 'bench/**/*.ts'],
    // Tests look for control characters on purpose.
    rules: { 'no-console': 'off', 'no-control-regex': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
