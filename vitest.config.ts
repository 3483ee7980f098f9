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
    // The test bed's run id, its outside network, and a teardown that removes every object labelled with
    // the run, whatever way the tests ended (test/docker/testbed/global-setup.ts).
    globalSetup: ['test/docker/testbed/global-setup.ts'],
    // Ryuk (testcontainers' reaper) cannot run here: its image is not reachable. The global teardown reaps.
    env: { TESTCONTAINERS_RYUK_DISABLED: 'true' },
    // In CI also a JSON report, from which .ci/run prints the plain `N passed, N failed` closing line.
    reporters: process.env.CCBOX_TEST_REPORT
      ? ['default', ['json', { outputFile: process.env.CCBOX_TEST_REPORT }]]
      : ['default'],
  },
});
