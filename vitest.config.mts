import { defineConfig } from 'vitest/config';

// One run over every package's unit tests and the cross-package integration tests.
export default defineConfig({
  test: {
    projects: ['packages/*', 'test'],
  },
});
