import { CcboxError } from '../errors.js';
import { ExitCodes, type ExitCode } from '../exit-codes.js';

/** Why: engine failures (EngineApiError, or Node's own socket errors) are read by shape, without `any`. */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The engine's own message (the JSON body), falling back to the error's text. */
export function engineMessageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const json = (error as { json?: unknown }).json;
    if (typeof json === 'object' && json !== null) {
      const message = (json as { message?: unknown }).message;
      if (typeof message === 'string') return message;
    }
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message.trim();
  }
  return String(error);
}

const UNREACHABLE = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ETIMEDOUT',
]);

/** True when the engine could not be reached at all (no socket, refused, no permission). */
export function isUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && UNREACHABLE.has(code) && statusCodeOf(error) === undefined;
}

const CONNECTION_LOST = new Set(['EPIPE', 'ECONNRESET', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** True when a connection to the engine broke during a request (no HTTP answer came back). */
export function isConnectionLost(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && CONNECTION_LOST.has(code) && statusCodeOf(error) === undefined;
}

/** Why exit 3: the session's state is unknown to ccbox once the engine connection broke under it. */
export function connectionLostError(operation: string, error: unknown): CcboxError {
  return new CcboxError(`The engine connection was lost (${operation}): ${engineMessageOf(error)}`, {
    code: 'ENGINE_CONNECTION_LOST',
    exitCode: ExitCodes.engineUnavailable,
    hint: 'ccbox removed the session over a new connection; `ccbox gc` removes anything that is left.',
    cause: error,
  });
}

export function isNotFound(error: unknown): boolean {
  return statusCodeOf(error) === 404;
}

/** True when the request was cancelled through an AbortSignal. */
export function isAbort(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR')
  );
}

/**
 * Why one mapper: every engine failure becomes a CcboxError with the operation named, and an unreachable
 * engine is always reported as such (exit 3) whatever the operation was.
 */
export function engineError(operation: string, error: unknown, exitCode: ExitCode): CcboxError {
  if (error instanceof CcboxError) return error;
  if (isUnreachable(error)) {
    return new CcboxError(`The container engine is not reachable (${operation}): ${engineMessageOf(error)}`, {
      code: 'ENGINE_UNREACHABLE',
      exitCode: ExitCodes.engineUnavailable,
      hint: 'Start Docker (or `podman system service`) and check DOCKER_HOST and the socket permissions.',
      cause: error,
    });
  }
  return new CcboxError(`${operation} failed: ${engineMessageOf(error)}`, {
    code: 'ENGINE_REQUEST_FAILED',
    exitCode,
    cause: error,
  });
}

/** Why a distinct error: Ctrl-C during a build or exec is an interruption, not a broken image or sandbox. */
export function abortedError(what: string, cause?: unknown): CcboxError {
  return new CcboxError(`${what} was cancelled`, { code: 'ABORTED', exitCode: ExitCodes.interrupted, cause });
}
