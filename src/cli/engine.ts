import { connectEngine } from '../docker/index.js';
import type { Engine } from '../session/engine.js';
import type { CcboxSettings } from './settings.js';

/** The engine named by DOCKER_HOST, or the first local Docker/Podman socket that answers. */
export function connectFromSettings(settings: CcboxSettings): Promise<Engine> {
  return connectEngine(settings.engineHost ? { host: settings.engineHost } : {});
}
