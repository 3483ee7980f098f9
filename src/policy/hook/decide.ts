import type { DecideHook } from './types.js';

/**
 * Placeholder until the shell-aware engine lands (issue 19 §2): it asks for everything, so a session
 * wired to it is never more permissive than Claude Code's own rules.
 */
export const decideHook: DecideHook = () => ({
  decision: 'ask',
  reason: 'the policy engine is not built yet',
  rule: 'placeholder',
});
