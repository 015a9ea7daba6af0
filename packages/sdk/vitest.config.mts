import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Child-process tests load the built SDK; this builds it when a source file is newer than dist/.
    globalSetup: ['test/support/build-sdk.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
