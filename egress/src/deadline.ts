/** A signal and the means to release it. */
export interface Deadline {
  signal: AbortSignal;
  /** Clears the timer and the link to the parent; call once the guarded step is over. */
  dispose(): void;
}

/**
 * A signal that aborts when `parent` does or after `ms`. Why not AbortSignal.any/timeout: those keep
 * weak references and timers alive per call, measurable on a path taken once per request.
 */
export function deadline(parent: AbortSignal, ms: number, what: string): Deadline {
  const controller = new AbortController();
  const onParent = (): void => controller.abort(parent.reason);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`${what} timed out after ${ms} ms`)), ms);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParent);
    },
  };
}
