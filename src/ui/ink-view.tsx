import { useEffect, useState } from 'react';
import { Box, Static, Text } from 'ink';
import { formatElapsed, paintLine, style } from './format.js';
import type { ActiveStep, StaticLine, ViewState } from './view-state.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;
const FRAME_MS = 80;

/** Props of the session view: the state to show, and how to show it. */
export interface SessionViewProps {
  state: ViewState;
  color: boolean;
  /** Width of the live area; undefined lets Ink use the stream's width. */
  columns?: number;
  now: () => number;
}

/** Why a tick hook instead of ink-spinner: ten frames do not justify a dependency. */
function useTick(active: boolean): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setTick((t) => t + 1), FRAME_MS);
    // Why unref: a spinner must never be what keeps ccbox alive.
    timer.unref();
    return () => clearInterval(timer);
  }, [active]);
  return tick;
}

function StaticLineView({ line, color }: { line: StaticLine; color: boolean }) {
  return <Text>{paintLine(line, color)}</Text>;
}

function ActiveStepView({
  step,
  frame,
  color,
  now,
}: {
  step: ActiveStep;
  frame: string;
  color: boolean;
  now: number;
}) {
  const title = step.title !== step.step ? `  ${step.title}` : '';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        {`${style('cyan', frame, color)} ${step.step}${title} ${style('dim', formatElapsed(now - step.since), color)}`}
      </Text>
      {step.buildStep !== undefined && <Text wrap="truncate-end">{`  ${step.buildStep}`}</Text>}
      {step.log !== undefined && <Text wrap="truncate-end">{style('dim', `  ${step.log}`, color)}</Text>}
    </Box>
  );
}

/** The whole live view: final lines in `<Static>`, then a spinner line for each step under way. */
export function SessionView({ state, color, columns, now }: SessionViewProps) {
  const tick = useTick(state.active.length > 0);
  const frame = FRAMES[tick % FRAMES.length] ?? FRAMES[0];
  const at = now();
  return (
    <>
      <Static items={[...state.lines]}>
        {(line) => <StaticLineView key={line.id} line={line} color={color} />}
      </Static>
      <Box flexDirection="column" {...(columns !== undefined ? { width: columns } : {})}>
        {state.active.map((a) => (
          <ActiveStepView key={a.step} step={a} frame={frame} color={color} now={at} />
        ))}
      </Box>
    </>
  );
}
