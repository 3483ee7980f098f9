import type { SessionEvent, StepId } from '../session/events.js';
import { eventLine, isBuildStep, oneLine, type Line } from './format.js';

/** A line that is final: Ink prints it once into `<Static>` and never redraws it. */
export interface StaticLine extends Line {
  id: number;
}

/** A step under way: the spinner line, its latest build step and its latest other output. */
export interface ActiveStep {
  step: StepId;
  title: string;
  /** When the step started, on the reporter's clock (for the elapsed time). */
  since: number;
  buildStep?: string;
  log?: string;
}

/** What the live view shows; a pure function of the events seen so far. */
export interface ViewState {
  lines: readonly StaticLine[];
  active: readonly ActiveStep[];
}

/** The view before any event. */
export const emptyView: ViewState = { lines: [], active: [] };

/** Why pure: the Ink view is then a plain render of state, and the state can be tested without a terminal. */
export function reduceView(state: ViewState, e: SessionEvent, now: number): ViewState {
  switch (e.type) {
    case 'step-start':
      return {
        ...state,
        active: [
          ...state.active.filter((a) => a.step !== e.step),
          { step: e.step, title: oneLine(e.title), since: now },
        ],
      };
    case 'step-progress': {
      const text = oneLine(e.text);
      if (text === '') return state;
      return {
        ...state,
        active: state.active.map((a) =>
          a.step !== e.step
            ? a
            : isBuildStep(text)
              ? { ...a, buildStep: text, log: undefined }
              : { ...a, log: text },
        ),
      };
    }
    case 'step-done':
    case 'step-failed':
      return addLine({ ...state, active: state.active.filter((a) => a.step !== e.step) }, e);
    case 'warning':
    case 'ready':
    case 'exited':
    case 'cleaned':
    case 'landed':
    case 'leftover':
    case 'control-changed':
      return addLine(state, e);
  }
}

function addLine(state: ViewState, e: SessionEvent): ViewState {
  const line = eventLine(e);
  if (!line) return state;
  return { ...state, lines: [...state.lines, { ...line, id: state.lines.length }] };
}
