import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    // Two cores: keep the suite's parallelism at what the machine has.
    maxWorkers: 2,
  },
});
