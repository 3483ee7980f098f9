import { readFile } from 'node:fs/promises';
import { createDecider } from '../../src/policy/hook/decide.js';
import { parseGateHookPolicy, type GateHookPolicy } from '../../src/policy/hook/gate-policy.js';
import { loadShellParser } from '../../src/policy/hook/parser.js';
import type { DecideHook } from '../../src/policy/hook/types.js';
import { startHookServer, type HookServerHandle, type HookServerOptions } from './hook-server.js';

type StartOptions = Omit<HookServerOptions, 'hooks' | 'decide'>;

/**
 * Starts reading the hook policy and loading the shell parser at once (main.ts calls this first), and
 * returns how to start the endpoint once the gate knows its internal address. Without a policy file
 * (a gate run by hand) there is no endpoint. Why load at start: a parser that cannot load, or a policy
 * that cannot be read, stops the gate from starting, so no session runs with hooks nobody answers.
 */
export function startHooks(policyPath: string | undefined): {
  start(options: StartOptions): Promise<HookServerHandle | undefined>;
} {
  if (policyPath === undefined) return { start: () => Promise.resolve(undefined) };
  const ready: Promise<[GateHookPolicy, DecideHook]> = Promise.all([
    readFile(policyPath, 'utf8').then((text) => parseGateHookPolicy(JSON.parse(text) as unknown)),
    loadShellParser().then((parser) => createDecider(parser)),
  ]);
  ready.catch(() => undefined); // Awaited in start(); never left unhandled meanwhile.
  return {
    async start(options) {
      const [hooks, decide] = await ready;
      const server = await startHookServer({ ...options, hooks, decide });
      options.log?.(
        `gate: hook endpoint on ${options.internalAddress ?? '127.0.0.1'}:${server.port} (policy ${hooks.policy.policyVersion}, ${hooks.context.headless ? 'headless' : 'interactive'})`,
      );
      return server;
    },
  };
}
