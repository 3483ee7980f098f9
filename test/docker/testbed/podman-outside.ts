import { podmanEngine } from './engines.js';
import { runLabels } from './labels.js';
import { testRun } from './run.js';

/**
 * An outside network of this run on Podman for one test file (`purpose` keeps the names apart: files
 * run in parallel). Internal, so a gate using it as its way out still reaches nothing off the machine;
 * the global teardown removes it with the run's other objects.
 */
export async function podmanOutsideNetwork(socketPath: string, purpose: string): Promise<string> {
  const run = testRun();
  const name = `ccbox-test-outside-${run.id}-${purpose}`;
  await podmanEngine(socketPath).createNetwork({ Name: name, Internal: true, Labels: runLabels(run) });
  return name;
}
