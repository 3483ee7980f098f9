import { GenericContainer, PullPolicy } from 'testcontainers';
import { runLabels, type TestRun } from './labels.js';

// The one way the real-engine tests start a fixture container (a test site, a scripted model, a stand-in
// upstream): testcontainers' GenericContainer with the run's labels and a name unique to the run.

/**
 * A GenericContainer that never pulls (the images are local: there is no registry to reach), carries
 * the run's labels, and can sit on one network only. Why the last: testcontainers puts a container with
 * network aliases on the default bridge first, and the default bridge routes to the outside world.
 */
export class FixtureContainer extends GenericContainer {
  constructor(image: string, run: TestRun, name: string) {
    super(image);
    this.withPullPolicy(PullPolicy.neverPull()).withLabels(runLabels(run)).withName(`${name}-${run.id}`);
  }

  /** Only on `network`, reachable there under `aliases`. */
  onlyOn(network: string, ...aliases: string[]): this {
    this.withNetworkMode(network);
    if (aliases.length > 0)
      this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: aliases } } };
    return this;
  }

  /** A read-only root filesystem (the fixture writes only to its tmpfs mounts). */
  withReadOnlyRootfs(): this {
    this.hostConfig.ReadonlyRootfs = true;
    return this;
  }
}
