import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/fixtures/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests start real processes that profile the CPU; running them one file at a
    // time on a 2-core machine keeps their timing honest.
    fileParallelism: false,
  },
});
