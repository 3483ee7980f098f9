import type { SessionEvent } from '../../../src/session/events.js';

/** A session that comes up: every step, a warning, build progress (steps and log lines), ready. */
export function upEvents(): SessionEvent[] {
  return [
    { type: 'step-start', step: 'profile', title: 'profile', at: 0 },
    { type: 'warning', text: 'exception "x" expires in 3 days', at: 1 },
    { type: 'step-done', step: 'profile', title: 'profile', detail: 'low-risk (policy 9f3c)', at: 2, ms: 12 },
    { type: 'step-start', step: 'engine', title: 'engine', at: 3 },
    { type: 'step-done', step: 'engine', title: 'engine', detail: 'docker 20.10.24', at: 4, ms: 130 },
    { type: 'step-start', step: 'image', title: 'image', at: 5 },
    { type: 'step-progress', step: 'image', text: 'Step 3/9 : RUN apt-get update', at: 6 },
    { type: 'step-progress', step: 'image', text: 'Get:1 http://deb.debian.org bookworm InRelease', at: 7 },
    {
      type: 'step-done',
      step: 'image',
      title: 'image',
      detail: 'ccbox/agent:low-risk-1a2b (built)',
      at: 8,
      ms: 41_234,
    },
    { type: 'step-start', step: 'container', title: 'container', at: 9 },
    { type: 'step-done', step: 'container', title: 'container', at: 10, ms: 300 },
    {
      type: 'ready',
      session: 's1a2b',
      policyVersion: '9f3c',
      profile: 'low-risk',
      image: 'ccbox/agent:low-risk-1a2b',
      worktree: '/repo',
      at: 11,
    },
  ];
}

/** A session that fails at the engine step. */
export function failedEvents(): SessionEvent[] {
  return [
    { type: 'step-start', step: 'profile', title: 'profile', at: 0 },
    { type: 'step-done', step: 'profile', title: 'profile', detail: 'low-risk (policy 9f3c)', at: 1, ms: 12 },
    { type: 'step-start', step: 'engine', title: 'engine', at: 2 },
    {
      type: 'step-failed',
      step: 'engine',
      title: 'engine',
      error: 'connect ENOENT /var/run/docker.sock',
      at: 3,
      ms: 5,
    },
  ];
}
