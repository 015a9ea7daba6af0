import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Load the built SDK with Node itself, as users do. Vite would inline it (a workspace link outside node_modules)
    // and lose the re-exported classes of its CommonJS build (ConfigError came back undefined).
    server: { deps: { external: [/\/packages\/sdk\/dist\//] } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
