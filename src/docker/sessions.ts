// Wire types of the Engine API (from @types/dockerode; no SDK is loaded at run time).
import type Dockerode from 'dockerode';
import type { EngineApi } from './api.js';
import { setTimeout as delay } from 'node:timers/promises';
import { ExitCodes } from '../exit-codes.js';
import {
  LABEL_OWNER,
  LABEL_POLICY,
  LABEL_ROLE,
  LABEL_SESSION,
  LABEL_WORKTREE,
  type GcOptions,
  type GcResult,
  type SessionSummary,
} from '../engine/engine.js';
import { engineError, engineMessageOf, isNotFound } from './errors.js';

/** Every ccbox session the engine knows of, found by label alone (no state file to lose in a crash). */
export async function listSessions(api: EngineApi): Promise<SessionSummary[]> {
  let containers: Dockerode.ContainerInfo[];
  let networks: Dockerode.NetworkInspectInfo[];
  try {
    [containers, networks] = await Promise.all([
      api.json<Dockerode.ContainerInfo[]>('GET', '/containers/json', {
        query: { all: true, filters: { label: [LABEL_SESSION] } },
      }),
      api.json<Dockerode.NetworkInspectInfo[]>('GET', '/networks', {
        query: { filters: { label: [LABEL_SESSION] } },
      }),
    ]);
  } catch (err) {
    throw engineError('Listing ccbox sessions', err, ExitCodes.sandboxFailed);
  }
  const sessions = new Map<string, SessionSummary>();
  const session = (id: string): SessionSummary => {
    let s = sessions.get(id);
    if (!s) {
      s = { id, policyVersion: undefined, containers: [], networks: [], orphaned: true };
      sessions.set(id, s);
    }
    return s;
  };
  for (const c of containers) {
    const id = c.Labels[LABEL_SESSION];
    if (!id) continue;
    const s = session(id);
    const running = c.State === 'running' || c.State === 'restarting' || c.State === 'paused';
    s.containers.push({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      role: c.Labels[LABEL_ROLE] ?? '',
      state: c.State,
      running,
    });
    if (running) s.orphaned = false;
    s.policyVersion ??= c.Labels[LABEL_POLICY];
    s.owner ??= c.Labels[LABEL_OWNER];
    s.worktree ??= c.Labels[LABEL_WORKTREE];
  }
  for (const n of networks) {
    const id = n.Labels?.[LABEL_SESSION];
    if (!id) continue;
    const s = session(id);
    s.networks.push({ id: n.Id, name: n.Name });
    s.policyVersion ??= n.Labels?.[LABEL_POLICY];
    s.owner ??= n.Labels?.[LABEL_OWNER];
  }
  return [...sessions.values()].sort((a, b) => a.id.localeCompare(b.id));
}

async function removeNetwork(api: EngineApi, id: string): Promise<void> {
  // Endpoints of just-removed containers can linger for a moment; retry briefly before reporting.
  for (let attempt = 0; ; attempt++) {
    try {
      await api.buffer('DELETE', `/networks/${encodeURIComponent(id)}`);
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (attempt >= 5 || !/active endpoints|in use/i.test(engineMessageOf(err))) throw err;
      await delay(200);
    }
  }
}

/**
 * Removes the selected sessions' containers (forced) and then their networks. Why this order: a network
 * with an attached container cannot be removed. Failures are collected, never thrown half-way, so one
 * stuck object does not keep the rest alive.
 */
export async function gcSessions(api: EngineApi, options: GcOptions = {}): Promise<GcResult> {
  const wanted = options.sessions ? new Set(options.sessions) : undefined;
  const selected = (await listSessions(api)).filter(
    (s) => (wanted === undefined || wanted.has(s.id)) && (options.onlyOrphaned !== true || s.orphaned),
  );
  const result: GcResult = { sessions: selected.map((s) => s.id), containers: [], networks: [], failed: [] };
  for (const s of selected) {
    for (const c of s.containers) {
      try {
        await api.buffer('DELETE', `/containers/${encodeURIComponent(c.id)}`, {
          query: { force: true, v: true },
        });
        result.containers.push(c.name);
      } catch (err) {
        if (isNotFound(err) || /already in progress/i.test(engineMessageOf(err)))
          result.containers.push(c.name);
        else result.failed.push({ kind: 'container', name: c.name, message: engineMessageOf(err) });
      }
    }
  }
  for (const s of selected) {
    for (const n of s.networks) {
      try {
        await removeNetwork(api, n.id);
        result.networks.push(n.name);
      } catch (err) {
        result.failed.push({ kind: 'network', name: n.name, message: engineMessageOf(err) });
      }
    }
  }
  return result;
}
