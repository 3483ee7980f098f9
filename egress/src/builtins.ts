/**
 * Node built-ins the gate loads at start. Why not `import … from 'node:http'`: an ESM import of a
 * built-in evaluates all of its lazy exports (for node:http, undici's WebSocket), about 40 ms of every
 * gate start for http and 20 ms for crypto; process.getBuiltinModule hands over the same modules
 * without that.
 */
export const http = process.getBuiltinModule('node:http');
export const https = process.getBuiltinModule('node:https');
export const crypto = process.getBuiltinModule('node:crypto');
