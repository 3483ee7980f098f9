import type { Engine } from '../engine/engine.js';
import type { CcboxSettings } from './settings.js';

/**
 * The engine named by DOCKER_HOST, or the first local Docker/Podman socket that answers. Loaded on
 * demand: the engine SDK takes a third of a second to import, which `ccbox profiles` never needs.
 */
export async function connectFromSettings(settings: CcboxSettings): Promise<Engine> {
  const { connectEngine } = await import('../docker/index.js');
  return connectEngine(settings.engineHost ? { host: settings.engineHost } : {});
}
