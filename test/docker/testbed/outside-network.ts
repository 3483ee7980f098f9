import type Dockerode from 'dockerode';
import { runLabels, type TestRun } from './labels.js';

// The run's "outside": an internal network (no route off this machine) that holds the test servers and
// that test gates use as their outbound network. One per run, so concurrent runs never share one.

/** Creates the run's outside network on `engine`; returns its name and subnet. */
export async function createOutsideNetwork(
  engine: Dockerode,
  run: Pick<TestRun, 'id' | 'owner'>,
): Promise<{ name: string; subnet: string }> {
  const name = `ccbox-test-outside-${run.id}`;
  // Why internal: even a broken gate (or fixture) cannot send a packet off the machine.
  const network = await engine.createNetwork({ Name: name, Internal: true, Labels: runLabels(run) });
  const info = await network.inspect();
  const subnet = info.IPAM?.Config?.[0]?.Subnet;
  if (!subnet) throw new Error(`the engine gave the test network ${name} no IPv4 subnet`);
  return { name, subnet };
}
