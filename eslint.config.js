// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'coverage/**', 'tests/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  {
    // Import boundaries: shared packages never depend on services; routes never touch the database
    // directly (they call a service, which calls a repository).
    files: ['packages/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@careerfeed/ingest', '@careerfeed/feed', '@careerfeed/worker', '@careerfeed/cli'],
              message: 'packages/ must not import services/',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/**/*.routes.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@careerfeed/db', 'kysely', 'pg', 'better-sqlite3', '*.repository'],
              message: 'routes call services, not the database',
            },
          ],
        },
      ],
    },
  },
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
