import { defineConfig } from 'vitest/config';

// Docker suites share one engine on a 2-core machine: run files one at a time there,
// and give them generous timeouts (image builds, container start-up).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // The first real-engine test on a fresh machine builds the agent and gate images (apt, a 190 MB
    // Claude Code download): minutes, not seconds.
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    // In CI also a JSON report, from which .ci/run prints the plain `N passed, N failed` closing line.
    reporters: process.env.CCBOX_TEST_REPORT
      ? ['default', ['json', { outputFile: process.env.CCBOX_TEST_REPORT }]]
      : ['default'],
  },
});
