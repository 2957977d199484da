import { afterEach, describe, expect, it, vi } from 'vitest';
import { CioError } from '../../src/core/errors.js';
import type { StreamBookmark } from '../../src/core/state.js';
import type { RunOutcome } from '../../src/engine/sink.js';
import { failureTypeOf } from '../../src/protocols/airbyte/airbyte-messages.js';
import { createAirbyteSink } from '../../src/protocols/airbyte/airbyte-sink.js';
import { airbyteMessageErrors } from './helpers/airbyte-protocol.js';
import { captureLines, runInfo, specNamed } from './helpers/fixtures.js';

type Message = Record<string, unknown>;
const READ_STARTED = '2024-05-01T00:00:00.000Z';

function resumeAt(position: unknown): StreamBookmark {
  return { resume: { read_started_at: READ_STARTED, position } };
}

function outcome(
  streams: Record<string, RunOutcome['streams'][string]['status']>,
  status: RunOutcome['status'] = 'succeeded',
): RunOutcome {
  return {
    status,
    finishedAt: new Date(),
    streams: Object.fromEntries(
      Object.entries(streams).map(([name, s]) => [name, { status: s, rows: 0, requests: 0 }]),
    ),
  };
}

function statusesOf(messages: Message[], stream: string): string[] {
  return messages
    .filter((m) => m.type === 'TRACE' && (m.trace as Message).type === 'STREAM_STATUS')
    .map(
      (m) =>
        (m.trace as { stream_status: { stream_descriptor: { name: string }; status: string } }).stream_status,
    )
    .filter((s) => s.stream_descriptor.name === stream)
    .map((s) => s.status);
}

function expectAllValid(messages: Message[]): void {
  for (const message of messages) expect(airbyteMessageErrors(message), JSON.stringify(message)).toEqual([]);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Airbyte sink', () => {
  it('emits valid RECORDs then a per-stream STATE counting them, inside STARTED/RUNNING/COMPLETE', async () => {
    const capture = captureLines();
    const spec = specNamed('broadcasts');
    const sink = createAirbyteSink({ out: capture.out, now: () => 1714521600123 });
    await sink.open(runInfo([spec]));
    await sink.prepareStream(spec);
    sink.onEvent({ type: 'stream_started', stream: 'broadcasts', resumed: false });
    await sink.write(
      spec,
      [
        { id: 1, updated: '2024-04-01T00:00:00Z' },
        { id: 2, updated: '2024-04-02T00:00:00Z' },
      ],
      resumeAt({ cursor: 'c' }),
    );
    await sink.write(spec, [{ id: 3, updated: '2024-04-03T00:00:00Z' }], resumeAt(null));
    const done: StreamBookmark = {
      replication_key: 'updated',
      replication_key_value: '2024-04-03T00:00:00Z',
      last_completed_at: READ_STARTED,
    };
    await sink.saveBookmark(spec, done);
    sink.onEvent({
      type: 'stream_completed',
      stream: 'broadcasts',
      stats: { status: 'complete', rows: 3, requests: 2 },
    });
    await sink.close(outcome({ broadcasts: 'complete' }));

    const messages = capture.messages();
    expectAllValid(messages);
    const kinds = messages.map((m) =>
      m.type === 'TRACE'
        ? `TRACE:${(m.trace as { stream_status: { status: string } }).stream_status.status}`
        : m.type,
    );
    expect(kinds).toEqual([
      'TRACE:STARTED',
      'TRACE:RUNNING',
      'RECORD',
      'RECORD',
      'STATE',
      'RECORD',
      'STATE',
      'STATE',
      'TRACE:COMPLETE',
    ]);
    const records = messages
      .filter((m) => m.type === 'RECORD')
      .map((m) => m.record as { data: object; emitted_at: number; stream: string });
    expect(records[0]).toEqual({
      stream: 'broadcasts',
      data: { id: 1, updated: '2024-04-01T00:00:00Z' },
      emitted_at: 1714521600123,
    });
    const states = messages.filter((m) => m.type === 'STATE').map((m) => m.state as Message);
    expect(states.map((s) => (s.sourceStats as { recordCount: number }).recordCount)).toEqual([2, 1, 0]);
    expect(states[2]).toEqual({
      type: 'STREAM',
      stream: { stream_descriptor: { name: 'broadcasts' }, stream_state: done },
      sourceStats: { recordCount: 0 },
    });
    expect(states.every((s) => s.type !== 'LEGACY')).toBe(true);
  });

  it('gives an empty stream STARTED, RUNNING and COMPLETE too', async () => {
    const capture = captureLines();
    const spec = specNamed('messages');
    const sink = createAirbyteSink({ out: capture.out });
    await sink.open(runInfo([spec]));
    await sink.prepareStream(spec);
    await sink.completeFullTable(
      spec,
      { readStartedAt: new Date(READ_STARTED) },
      { last_completed_at: READ_STARTED },
    );
    sink.onEvent({
      type: 'stream_completed',
      stream: 'messages',
      stats: { status: 'complete', rows: 0, requests: 1 },
    });
    await sink.close(outcome({ messages: 'complete' }));
    expect(statusesOf(capture.messages(), 'messages')).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
    expectAllValid(capture.messages());
  });

  it('ends a failed stream INCOMPLETE after a TRACE ERROR naming it, and traces that error once', async () => {
    const capture = captureLines();
    const messages = specNamed('messages');
    const snippets = specNamed('snippets');
    const sink = createAirbyteSink({ out: capture.out, redact: (t) => t.replaceAll('sekrit', '***') });
    await sink.open(runInfo([messages, snippets]));
    await sink.prepareStream(messages);
    await sink.prepareStream(snippets);
    await sink.write(messages, [{ id: 'm1' }], resumeAt({ cursor: 'c' }));
    const error = new CioError('CIO_ERR_SERVER', 'The API answered 503 three times (token sekrit).', {
      status: 503,
      stream: 'messages',
    });
    sink.onEvent({ type: 'stream_failed', stream: 'messages', error });
    sink.onEvent({ type: 'stream_skipped', stream: 'snippets', reason: 'the key lacks the scope' });
    await sink.close(outcome({ messages: 'failed', snippets: 'skipped' }, 'failed'));
    await sink.fail(error);

    const all = capture.messages();
    expectAllValid(all);
    expect(statusesOf(all, 'messages')).toEqual(['STARTED', 'RUNNING', 'INCOMPLETE']);
    expect(statusesOf(all, 'snippets')).toEqual(['STARTED', 'INCOMPLETE']);
    const errors = all.filter((m) => m.type === 'TRACE' && (m.trace as Message).type === 'ERROR');
    expect(errors).toHaveLength(1);
    const trace = (errors[0]!.trace as { error: Record<string, unknown> }).error;
    expect(trace).toMatchObject({
      failure_type: 'transient_error',
      stream_descriptor: { name: 'messages' },
      internal_message: 'CIO_ERR_SERVER (HTTP 503)',
    });
    expect(JSON.stringify(all)).not.toContain('sekrit');
    const warn = all.find((m) => m.type === 'LOG');
    expect(warn).toMatchObject({
      log: { level: 'WARN', message: expect.stringContaining('snippets skipped') },
    });
  });

  it('traces a run-level failure (before any stream) with the failure type, without a stream', async () => {
    const capture = captureLines();
    const sink = createAirbyteSink({ out: capture.out });
    await sink.close(outcome({}, 'failed'));
    await sink.fail(
      new CioError('CIO_ERR_AUTH', 'The key was refused (401). Check the region.', {
        status: 401,
        stream: 'check',
      }),
    );
    const all = capture.messages();
    expectAllValid(all);
    expect(all).toHaveLength(1);
    expect((all[0]!.trace as { error: Message }).error).toMatchObject({ failure_type: 'config_error' });
    expect((all[0]!.trace as { error: Message }).error).not.toHaveProperty('stream_descriptor');
  });

  it('maps failures to failure types: 401/403 config, 429/5xx transient, the rest system', () => {
    const cases: [unknown, string][] = [
      [new CioError('CIO_ERR_AUTH', 'x', { status: 401 }), 'config_error'],
      [new CioError('CIO_ERR_FORBIDDEN', 'x', { status: 403 }), 'config_error'],
      [new CioError('CIO_ERR_RATE_LIMITED', 'x', { status: 429 }), 'transient_error'],
      [new CioError('CIO_ERR_SERVER', 'x', { status: 502 }), 'transient_error'],
      [new CioError('CIO_ERR_NETWORK', 'x'), 'transient_error'],
      [new CioError('CIO_ERR_CONFIG', 'x'), 'config_error'],
      [new CioError('CIO_ERR_NOT_FOUND', 'x', { status: 404 }), 'system_error'],
      [new CioError('CIO_ERR_PAGINATION', 'x'), 'system_error'],
      [new TypeError('boom'), 'system_error'],
      ['a string', 'system_error'],
    ];
    for (const [error, expected] of cases) expect(failureTypeOf(error), String(error)).toBe(expected);
  });

  it('forwards engine logs as LOG messages and says something when a long read is silent', async () => {
    vi.useFakeTimers({ now: new Date('2024-05-01T00:00:00Z') });
    const capture = captureLines();
    const spec = specNamed('messages');
    const sink = createAirbyteSink({ out: capture.out, heartbeatMs: 60_000 });
    await sink.open(runInfo([spec]));
    await sink.prepareStream(spec);
    await sink.write(spec, [{ id: 'm1' }], resumeAt({ cursor: 'c' }));
    sink.onEvent({ type: 'log', level: 'warn', message: 'rate limited, waiting', stream: 'messages' });
    const before = capture.messages().length;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(capture.messages().length).toBe(before);
    await vi.advanceTimersByTimeAsync(40_000);
    const heartbeat = capture.messages().at(-1);
    expect(heartbeat).toMatchObject({
      type: 'LOG',
      log: { level: 'INFO', message: expect.stringContaining('messages (1 records so far)') },
    });
    await sink.close(outcome({ messages: 'complete' }));
    const count = capture.messages().length;
    await vi.advanceTimersByTimeAsync(600_000);
    expect(capture.messages().length).toBe(count);
    expect(capture.messages().find((m) => m.type === 'LOG')).toMatchObject({
      log: { level: 'WARN', message: 'messages: rate limited, waiting' },
    });
    expectAllValid(capture.messages());
  });

  it('hands the engine the state it was given', async () => {
    const capture = captureLines();
    const state = {
      bookmarks: {
        broadcasts: { replication_key: 'updated', replication_key_value: '2030-01-01T00:00:00Z' },
      },
    };
    const sink = createAirbyteSink({ out: capture.out, state });
    expect(await sink.open(runInfo([specNamed('broadcasts')]))).toEqual(state);
    await sink.close(outcome({}));
  });
});
