import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createInkReporter } from '../../../src/ui/ink-reporter.js';
import { createReporter } from '../../../src/ui/reporter.js';
import { emptyView, reduceView } from '../../../src/ui/view-state.js';
import { capture } from './capture.js';
import { failedEvents, upEvents } from './events.js';

const plain = (s: string) => stripVTControlCharacters(s);
const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('ink reporter', () => {
  for (const interactive of [true, false]) {
    it(`prints finished steps once as static lines, then the ready summary (interactive=${interactive})`, async () => {
      const stderr = capture(true, 100);
      const r = createInkReporter({ stderr, color: true, interactive, now: () => 0 });
      for (const e of upEvents()) r.onEvent(e);
      await r.release();
      r.onEvent({ type: 'cleaned', session: 's1a2b', removed: ['container c1'], at: 13 });
      r.finish({ exitCode: 0, session: 's1a2b' });
      const out = plain(stderr.text());
      for (const line of [
        '! exception "x" expires in 3 days',
        '✓ profile  low-risk (policy 9f3c, 12ms)',
        '✓ engine  docker 20.10.24 (130ms)',
        '✓ image  ccbox/agent:low-risk-1a2b (built, 41.2s)',
        '✓ container (300ms)',
        '✓ ready  profile low-risk · policy 9f3c · session s1a2b',
        '✓ cleanup  removed container c1',
      ]) {
        expect(count(out, line), line).toBe(1);
      }
      const order = [
        '! exception',
        '✓ profile',
        '✓ engine',
        '✓ image',
        '✓ container',
        '✓ ready',
        '✓ cleanup',
      ];
      const positions = order.map((s) => out.indexOf(s));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      // Warnings are yellow, finished steps carry a green tick.
      expect(stderr.text()).toContain('\u001b[33m');
      expect(stderr.text()).toContain('\u001b[32m✓');
    });
  }

  it('shows the failed step in red, stops drawing, and prints later lines plainly', async () => {
    const stderr = capture(true, 100);
    const r = createInkReporter({ stderr, color: true, interactive: true, now: () => 0 });
    for (const e of failedEvents()) r.onEvent(e);
    const afterFailure = stderr.text().length;
    r.onEvent({ type: 'warning', text: 'could not remove network n1: gone', at: 4 });
    r.finish({
      exitCode: 3,
      error: { code: 'ENGINE_UNAVAILABLE', message: 'no engine', hint: 'start Docker' },
    });
    await r.release();
    const out = plain(stderr.text());
    expect(count(out, '✗ engine  connect ENOENT /var/run/docker.sock (5ms)')).toBe(1);
    expect(stderr.text()).toContain('\u001b[31m✗');
    // After the live view ended, lines are appended as they are: no cursor movement or erasing.
    const tail = stderr.text().slice(afterFailure);
    expect(tail).toBe(
      '\u001b[33m! could not remove network n1: gone\u001b[39m\n\u001b[31m✗\u001b[39m no engine\n\u001b[2m  hint: start Docker\u001b[22m\n',
    );
  });

  it('draws the current step with a spinner and its latest build step while it runs', async () => {
    const stderr = capture(true, 100);
    const r = await createReporter({ mode: 'ink', stderr, stdout: capture(), color: false });
    r.onEvent({ type: 'step-start', step: 'image', title: 'image', at: 0 });
    r.onEvent({ type: 'step-progress', step: 'image', text: 'Step 3/9 : RUN apt-get update', at: 1 });
    r.onEvent({
      type: 'step-progress',
      step: 'image',
      text: 'Get:1 http://deb.debian.org bookworm InRelease',
      at: 2,
    });
    await r.release();
    const out = plain(stderr.text());
    expect(out).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] image 0s/);
    expect(out).toContain('  Step 3/9 : RUN apt-get update');
    expect(out).toContain('  Get:1 http://deb.debian.org bookworm InRelease');
    // Progress is live only: it never becomes a static line.
    expect(out).not.toContain('✓');
  });

  it('release is idempotent and finish after release writes no redraw', async () => {
    const stderr = capture(true);
    const r = await createReporter({ mode: 'ink', stderr, stdout: capture() });
    await Promise.all([r.release(), r.release()]);
    const before = stderr.text();
    r.finish({ exitCode: 0 });
    await r.release();
    expect(stderr.text()).toBe(before);
  });
});

describe('view state', () => {
  it('tracks the active step and moves finished steps to static lines', () => {
    let s = emptyView;
    s = reduceView(s, { type: 'step-start', step: 'image', title: 'image', at: 0 }, 100);
    s = reduceView(s, { type: 'step-progress', step: 'image', text: 'Step 1/2 : FROM x', at: 0 }, 150);
    s = reduceView(s, { type: 'step-progress', step: 'image', text: 'log\u001b[31m line', at: 0 }, 160);
    expect(s.active).toEqual([
      { step: 'image', title: 'image', since: 100, buildStep: 'Step 1/2 : FROM x', log: 'log line' },
    ]);
    expect(s.lines).toEqual([]);
    s = reduceView(
      s,
      { type: 'step-done', step: 'image', title: 'image', detail: 'tag', at: 0, ms: 2000 },
      2100,
    );
    expect(s.active).toEqual([]);
    expect(s.lines).toEqual([{ id: 0, kind: 'ok', text: 'image  tag (2.0s)' }]);
  });
});
