/** The Docker/Podman adapter's public surface: connect, and the Engine the session layer owns. */
export { connectEngine, parseEngineHost, engineSocketCandidates, DEFAULT_ENGINE_SOCKETS } from './connect.js';
export type { ConnectEngineOptions, EngineEndpoint } from './connect.js';
export { PODMAN_DEFAULT_ULIMITS } from './container-spec.js';
