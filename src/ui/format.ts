import { stripVTControlCharacters } from 'node:util';
import type { SessionEvent } from '../session/events.js';

/** How a rendered line reads at a glance; each kind has one symbol and one colour. */
export type LineKind = 'ok' | 'fail' | 'warn' | 'info' | 'progress';

/** One line of output, before symbols and colours are applied (shared by the plain and Ink views). */
export interface Line {
  kind: LineKind;
  text: string;
}

/** Why a table: the plain reporter and the Ink view must show the same symbol for the same outcome. */
export const SYMBOLS: Readonly<Record<LineKind, string>> = {
  ok: '✓',
  fail: '✗',
  warn: '!',
  info: '·',
  progress: ' ',
};

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

/**
 * Makes untrusted text safe to print as one line. Why: step errors, warnings and build output can come
 * from inside the build or the engine; an escape sequence in them must not reach (and drive) the user's
 * terminal, and a newline must not forge a line that looks like ccbox's own.
 */
export function oneLine(text: string): string {
  return stripVTControlCharacters(text).replace(CONTROL, ' ').trim();
}

/** Why: a duration people can read at a glance: 120ms, 41.2s, 2m05s. */
export function formatDuration(ms: number): string {
  const n = Math.max(0, ms);
  if (n < 1000) return `${Math.round(n)}ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(1)}s`;
  const minutes = Math.floor(n / 60_000);
  const seconds = Math.floor((n % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/** Elapsed whole seconds for a step under way: 7s, 1m05s (tenths would flicker). */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  return seconds < 60 ? `${seconds}s` : formatDuration(seconds * 1000);
}

/** Appends a duration, inside a trailing parenthesis if there is one: `tag (built)` → `tag (built, 41.2s)`. */
export function withDuration(text: string, ms: number): string {
  const d = formatDuration(ms);
  return text.endsWith(')') ? `${text.slice(0, -1)}, ${d})` : `${text} (${d})`;
}

/** Why: a build prints hundreds of log lines; only its `Step 3/9 : …` lines are worth a line of their own. */
export function isBuildStep(text: string): boolean {
  return /^Step \d+\/\d+ : /.test(text);
}

/**
 * The line an event is shown as, or undefined when it has none of its own (a step starting; its progress
 * is shown as a `progress` line and callers decide which of those to keep).
 */
export function eventLine(e: SessionEvent): Line | undefined {
  switch (e.type) {
    case 'step-start':
      return undefined;
    case 'step-progress':
      return { kind: 'progress', text: oneLine(e.text) };
    case 'step-done':
      return {
        kind: 'ok',
        text: labelled(e.step, oneLine(e.detail ?? (e.title === e.step ? '' : e.title)), e.ms),
      };
    case 'step-failed':
      return { kind: 'fail', text: `${e.step}  ${withDuration(oneLine(e.error), e.ms)}` };
    case 'warning':
      return { kind: 'warn', text: oneLine(e.text) };
    case 'ready':
      return {
        kind: 'ok',
        text: `ready  profile ${oneLine(e.profile)} · policy ${oneLine(e.policyVersion)} · session ${oneLine(e.session)}`,
      };
    case 'exited':
      return { kind: 'info', text: `session ${oneLine(e.session)} exited with code ${e.exitCode}` };
    case 'cleaned':
      return {
        kind: 'ok',
        text: `cleanup  ${e.removed.length > 0 ? `removed ${e.removed.map(oneLine).join(', ')}` : 'nothing to remove'}`,
      };
    case 'landed':
      return landedLine(e.git);
    case 'leftover':
      return {
        kind: 'warn',
        text: `leftover  ${oneLine(e.leftover.path)} (${e.leftover.kind}${e.leftover.target !== undefined ? ` -> ${oneLine(e.leftover.target)}` : ''}): ${oneLine(e.leftover.action)}`,
      };
    case 'control-changed':
      return { kind: 'warn', text: `control path changed during the session: ${oneLine(e.path)}` };
  }
}

/** How the agent's commits came home, in one line. */
function landedLine(g: Extract<SessionEvent, { type: 'landed' }>['git']): Line {
  const n = `${g.commits} commit${g.commits === 1 ? '' : 's'}`;
  const others = g.otherBranches.length > 0 ? `; also ${g.otherBranches.map(oneLine).join(', ')}` : '';
  if (g.kept !== null) return { kind: 'warn', text: `git  commits not landed; kept at ${oneLine(g.kept)}` };
  if (g.landedOn === null) return { kind: 'info', text: `git  no new commits${others}` };
  const moved =
    g.startBranch !== null && g.landedOn !== g.startBranch
      ? ` (${oneLine(g.startBranch)} moved on the host or was rewritten)`
      : '';
  const unstaged = g.unstaged ? '; your staged changes were unstaged (still in the working tree)' : '';
  return {
    kind: moved || unstaged ? 'warn' : 'ok',
    text: `git  ${n} landed on ${oneLine(g.landedOn)}${moved}${unstaged}${others}`,
  };
}

function labelled(label: string, body: string, ms: number): string {
  return body === '' ? `${label} (${formatDuration(ms)})` : `${label}  ${withDuration(body, ms)}`;
}

/** The lines that report a failure: the message and, when there is one, the hint. */
export function errorLines(error: { message: string; hint?: string }): Line[] {
  const lines: Line[] = [{ kind: 'fail', text: oneLine(error.message) }];
  if (error.hint) lines.push({ kind: 'progress', text: `hint: ${oneLine(error.hint)}` });
  return lines;
}

const SGR = {
  green: ['\u001b[32m', '\u001b[39m'],
  red: ['\u001b[31m', '\u001b[39m'],
  yellow: ['\u001b[33m', '\u001b[39m'],
  cyan: ['\u001b[36m', '\u001b[39m'],
  dim: ['\u001b[2m', '\u001b[22m'],
} as const;

/** A colour (or dim) for a span of text. */
export type Style = keyof typeof SGR;

/**
 * Wraps text in one SGR style, or returns it as is when colours are off. Why our own codes rather than
 * Ink's `color` prop: Ink's colour support follows process.stdout, but ccbox draws on stderr, and the
 * caller (a TTY check plus NO_COLOR) decides.
 */
export function style(name: Style, text: string, color: boolean): string {
  if (!color) return text;
  const [open, close] = SGR[name];
  return `${open}${text}${close}`;
}

const KIND_STYLE: Readonly<Record<LineKind, Style>> = {
  ok: 'green',
  fail: 'red',
  warn: 'yellow',
  info: 'dim',
  progress: 'dim',
};

/** Renders a line for a terminal or a log: symbol and text, coloured only when asked. */
export function paintLine(line: Line, color: boolean): string {
  const s = KIND_STYLE[line.kind];
  const symbol = SYMBOLS[line.kind];
  // Warnings and progress are coloured whole; outcomes colour only their symbol, so the text stays legible.
  return line.kind === 'warn' || line.kind === 'progress'
    ? style(s, `${symbol} ${line.text}`, color)
    : `${style(s, symbol, color)} ${line.text}`;
}
