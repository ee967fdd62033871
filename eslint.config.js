import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const SERVICES = ['api', 'scheduler', 'copy-worker', 'agent-gateway', 'agent'];

// Product code (services, libs, scripts, console) never imports the test tree: it must run where
// test/ is not shipped.
const testTree = {
  group: ['**/test/**', '@backtrac/test', '@backtrac/test/**'],
  message: 'product code must not import the test tree (test/); move what both need into a library or scripts/',
};

/**
 * A service talks to another only through libs (queue contracts, catalog repositories, the agent
 * protocol), never by importing it.
 */
const otherServices = (own) =>
  SERVICES.filter((name) => name !== own).map((name) => ({
    group: [`@backtrac/${name}`, `@backtrac/${name}/**`, `**/services/${name}/**`, `**/${name}/src/**`],
    message: `a service must not import another service (@backtrac/${name}); share it through a library in libs/`,
  }));

const productFiles = ['services/**/*.ts', 'libs/**/*.ts', 'scripts/**/*.ts', 'scripts/**/*.mjs', 'frontend/src/**/*.ts'];
const testFiles = ['**/*.spec.ts', '**/testing/**', 'test/**'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.cache/**', 'frontend/.angular/**', 'frontend/src/app/api/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: productFiles,
    ignores: [...testFiles, ...SERVICES.map((name) => `services/${name}/**`)],
    rules: { 'no-restricted-imports': ['error', { patterns: [testTree] }] },
  },
  {
    // Libraries sit under the services: what a library needs from a service belongs in a library.
    files: ['libs/**/*.ts'],
    ignores: testFiles,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [testTree, { group: [...SERVICES.flatMap((name) => [`@backtrac/${name}`, `@backtrac/${name}/**`]), `**/services/**`], message: 'a library must not import a service' }],
      }],
    },
  },
  ...SERVICES.map((name) => ({
    files: [`services/${name}/**/*.ts`],
    ignores: testFiles,
    rules: { 'no-restricted-imports': ['error', { patterns: [testTree, ...otherServices(name)] }] },
  })),
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
