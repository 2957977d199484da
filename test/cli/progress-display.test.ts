import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { ProgressDisplay } from '../../src/cli/progress.js';
import { TerminalScreen } from '../helpers/terminal-screen.js';

/** The terminal driver: the live view redrawn in place, then erased so the summary takes its place. */
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it('draws the live view in place and leaves only the logged lines and the summary when stopped', () => {
  const terminal = new TerminalScreen();
  const display = new ProgressDisplay(['customers', 'campaigns'], 12, terminal);
  display.handle({ type: 'request', stream: 'check', requests: 1, runRequests: 1 });
  display.handle({ type: 'stream_started', stream: 'campaigns', resumed: true });
  display.handle({ type: 'request', stream: 'campaigns', requests: 1, runRequests: 2 });
  vi.advanceTimersByTime(1000);
  display.log('WARN [customers] a warning');
  display.handle({ type: 'stream_started', stream: 'customers', resumed: false });
  display.handle({ type: 'request', stream: 'customers', requests: 1, runRequests: 3 });
  vi.advanceTimersByTime(1000);

  const live = terminal.screen();
  // Redrawn in place: one overall line and one line per table, however many times it was drawn.
  expect(live).toHaveLength(4);
  expect(live[0]).toBe('WARN [customers] a warning');
  expect(live[1]).toMatch(
    /^elapsed 0:02 {2}requests 3 of ~12 {2}1\.5 req\/s {2}ETA 0:06 {2}2 table\(s\) reading$/,
  );
  expect(live[2]).toMatch(/^campaigns\s+resuming\s+rows 0\s+requests 1$/);
  expect(live[3]).toMatch(/^customers\s+reading\s+rows 0\s+requests 1$/);

  display.stop();
  terminal.write('table  status\ncampaigns  complete (resumed)\n');
  expect(terminal.screen()).toEqual([
    'WARN [customers] a warning',
    'table  status',
    'campaigns  complete (resumed)',
  ]);
});
