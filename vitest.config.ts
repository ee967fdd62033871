import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC compiles the TypeScript so NestJS and TypeORM decorators get their design-time metadata
// (esbuild does not emit it). The "source" export condition makes workspace packages resolve to
// their TypeScript sources, so tests never need a prior build.
const conditions = ['source', 'node'];
const shared = {
  plugins: [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2023' } })],
  resolve: { conditions },
  ssr: { resolve: { conditions } },
};

export default defineConfig({
  ...shared,
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['libs/**/*.spec.ts', 'services/**/*.spec.ts', 'test/**/*.spec.ts'],
          exclude: ['**/node_modules/**', '**/dist/**', '**/*.medium.spec.ts', '**/*.e2e.spec.ts'],
        },
      },
      {
        test: {
          name: 'medium',
          include: ['**/*.medium.spec.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.spec.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
