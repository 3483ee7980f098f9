/**
 * Why one table: scripts and CI branch on these numbers, so each has exactly one meaning.
 * `ccbox run` and `ccbox shell` otherwise exit with the code of the process they ran.
 */
export const ExitCodes = {
  ok: 0,
  /** A check found a problem: `profiles diff` saw a weakening, `doctor` found an issue, a `policy test` case failed. */
  checkFailed: 1,
  /** Bad input: unknown flag, invalid profile, a worktree ccbox refuses to mount. Nothing was started. */
  invalidInput: 2,
  /** The container engine is not reachable. */
  engineUnavailable: 3,
  /** An image could not be built (the failing step is printed). */
  imageBuildFailed: 4,
  /** The sandbox could not be started (network, gate or container); everything created was removed. */
  sandboxFailed: 5,
  /** A bug in ccbox. */
  internal: 70,
  /** The terminal went away (SIGHUP); the session was cleaned up. */
  hangup: 129,
  /** Interrupted by Ctrl-C (SIGINT). */
  interrupted: 130,
  /** Terminated by SIGTERM. */
  terminated: 143,
  /**
   * stdout or stderr was closed by its reader (`ccbox shell -- cmd | head -1`): the session was ended and
   * cleaned up. 128 + SIGPIPE, what a shell reports for a writer whose reader left; not the command's code.
   */
  outputClosed: 141,
} as const;

export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];
