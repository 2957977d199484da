import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { StreamBookmark } from '../../src/core/state.js';
import type { RunOutcome, StreamSpec } from '../../src/engine/sink.js';
import { SingerMetrics } from '../../src/protocols/singer/singer-metrics.js';
import { createSingerSink } from '../../src/protocols/singer/singer-sink.js';
import { captureLines, runInfo, specNamed } from './helpers/fixtures.js';

const READ_STARTED = '2024-05-01T00:00:00.000Z';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function resumeAt(position: unknown, extra: object = {}): StreamBookmark {
  return { resume: { read_started_at: READ_STARTED, position, ...extra } };
}

function outcome(
  streams: Record<string, RunOutcome['streams'][string]['status']>,
  status: RunOutcome['status'] = 'succeeded',
): RunOutcome {
  return {
    status,
    finishedAt: new Date('2024-05-01T00:01:00Z'),
    streams: Object.fromEntries(
      Object.entries(streams).map(([name, s]) => [name, { status: s, rows: 0, requests: 0 }]),
    ),
  };
}

function ofType(messages: Record<string, unknown>[], type: string) {
  return messages.filter((m) => m.type === type);
}

describe('Singer sink', () => {
  it('emits SCHEMA first, then RECORDs, then the whole state once they are out', async () => {
    const capture = captureLines();
    const broadcasts = specNamed('broadcasts');
    const sink = createSingerSink({
      out: capture.out,
      state: { bookmarks: { campaigns: { replication_key_value: '2024-01-01T00:00:00Z' } } },
    });
    const saved = await sink.open(runInfo([broadcasts]));
    expect(saved.bookmarks.campaigns).toEqual({ replication_key_value: '2024-01-01T00:00:00Z' });
    await sink.prepareStream(broadcasts);
    const rows = [
      { id: 1, name: 'a', updated: '2024-04-01T00:00:00Z' },
      { id: 2, name: 'b', updated: '2024-04-02T00:00:00Z' },
    ];
    const result = await sink.write(
      broadcasts,
      rows,
      resumeAt({ cursor: 'p2' }, { pending_max: '2024-04-02T00:00:00Z' }),
    );
    expect(result).toEqual({ written: 2, unchanged: 0 });

    const messages = capture.messages();
    expect(messages.map((m) => m.type)).toEqual(['SCHEMA', 'RECORD', 'RECORD', 'STATE']);
    const schema = messages[0]!;
    expect(schema).toMatchObject({
      stream: 'broadcasts',
      key_properties: ['id'],
      bookmark_properties: ['updated'],
    });
    expect(Object.keys((schema.schema as { properties: object }).properties)).not.toContain('_cio_synced_at');
    for (const record of ofType(messages, 'RECORD')) {
      expect(record.stream).toBe('broadcasts');
      expect(record.time_extracted).toMatch(RFC3339);
    }
    // The engine has selected the fields already: records are the rows as handed, in their order.
    expect(ofType(messages, 'RECORD').map((m) => JSON.stringify(m.record))).toEqual(
      rows.map((row) => JSON.stringify(row)),
    );
    expect(messages[3]).toEqual({
      type: 'STATE',
      value: {
        bookmarks: {
          campaigns: { replication_key_value: '2024-01-01T00:00:00Z' },
          broadcasts: resumeAt({ cursor: 'p2' }, { pending_max: '2024-04-02T00:00:00Z' }),
        },
        currently_syncing: 'broadcasts',
      },
    });
  });

  it('re-emits SCHEMA before the records that bring a new field, and only then', async () => {
    const capture = captureLines();
    const spec = specNamed('snippets');
    const sink = createSingerSink({ out: capture.out });
    await sink.open(runInfo([spec]));
    await sink.prepareStream(spec);
    await sink.prepareStream(spec);
    await sink.write(spec, [{ name: 'x', updated_at: '2024-01-01T00:00:00Z' }], resumeAt({ cursor: 'a' }));
    const grown: StreamSpec = { ...spec, schema: structuredClone(spec.schema) };
    grown.schema.properties!.colour = { type: ['string', 'null'] };
    await sink.prepareStream(grown);
    await sink.write(
      grown,
      [{ name: 'y', updated_at: '2024-01-02T00:00:00Z', colour: 'red' }],
      resumeAt({ cursor: 'b' }),
    );
    const types = capture.messages().map((m) => m.type);
    expect(types).toEqual(['SCHEMA', 'RECORD', 'STATE', 'SCHEMA', 'RECORD', 'STATE']);
    const second = capture.messages()[3] as { schema: { properties: object } };
    expect(Object.keys(second.schema.properties)).toContain('colour');
  });

  it('also re-emits SCHEMA when a write carries a grown schema without a new prepareStream', async () => {
    const capture = captureLines();
    const spec = specNamed('snippets');
    const sink = createSingerSink({ out: capture.out });
    await sink.open(runInfo([spec]));
    const grown: StreamSpec = { ...spec, schema: structuredClone(spec.schema) };
    grown.schema.properties!.colour = { type: ['string', 'null'] };
    await sink.write(
      grown,
      [{ name: 'y', updated_at: '2024-01-02T00:00:00Z', colour: 'red' }],
      resumeAt({ cursor: 'b' }),
    );
    expect(capture.messages().map((m) => m.type)).toEqual(['SCHEMA', 'RECORD', 'STATE']);
  });

  it('moves currently_syncing between streams in progress and ends with no progress markers', async () => {
    const capture = captureLines();
    const broadcasts = specNamed('broadcasts');
    const messages = specNamed('messages');
    const sink = createSingerSink({ out: capture.out });
    await sink.open(runInfo([broadcasts, messages]));
    await sink.write(broadcasts, [{ id: 1, updated: '2024-04-01T00:00:00Z' }], resumeAt({ cursor: 'b1' }));
    await sink.write(messages, [{ id: 'm1', created: '2024-04-01T00:00:00Z' }], resumeAt({ cursor: 'm1' }));
    const done: StreamBookmark = { last_completed_at: '2024-05-01T00:00:30Z' };
    await sink.completeFullTable(messages, { readStartedAt: new Date(READ_STARTED) }, done);
    const states = () =>
      ofType(capture.messages(), 'STATE').map(
        (m) => m.value as { currently_syncing: string | null; bookmarks: Record<string, StreamBookmark> },
      );
    // messages finished while broadcasts is still being read: broadcasts is the one to resume.
    expect(states().map((s) => s.currently_syncing)).toEqual(['broadcasts', 'messages', 'broadcasts']);
    await sink.saveBookmark(broadcasts, {
      replication_key: 'updated',
      replication_key_value: '2024-04-01T00:00:00Z',
      last_completed_at: '2024-05-01T00:00:40Z',
    });
    await sink.close(outcome({ broadcasts: 'complete', messages: 'complete' }));
    const last = states().at(-1)!;
    expect(last.currently_syncing).toBeNull();
    expect(JSON.stringify(last)).not.toContain('resume');
    expect(capture.messages().at(-1)?.type).toBe('STATE');
  });

  it('leaves the resume point and currently_syncing of an interrupted stream in the last STATE', async () => {
    const capture = captureLines();
    const messages = specNamed('messages');
    const sink = createSingerSink({ out: capture.out });
    await sink.open(runInfo([messages]));
    await sink.write(messages, [{ id: 'm1', created: '2024-04-01T00:00:00Z' }], resumeAt({ cursor: 'm2' }));
    await sink.close(outcome({ messages: 'failed' }, 'failed'));
    const last = ofType(capture.messages(), 'STATE').at(-1)?.value as {
      currently_syncing: string;
      bookmarks: Record<string, StreamBookmark>;
    };
    expect(last.currently_syncing).toBe('messages');
    expect(last.bookmarks.messages?.resume?.position).toEqual({ cursor: 'm2' });
    // Nothing changed since that STATE, so close() adds no duplicate.
    expect(ofType(capture.messages(), 'STATE')).toHaveLength(1);
  });

  it('versions full-table records by the start of their read and activates that version at the end', async () => {
    const capture = captureLines();
    const messages = specNamed('messages');
    const broadcasts = specNamed('broadcasts');
    const sink = createSingerSink({ out: capture.out, emitActivateVersion: true });
    await sink.open(runInfo([messages, broadcasts]));
    await sink.write(messages, [{ id: 'm1', created: '2024-04-01T00:00:00Z' }], resumeAt({ cursor: 'x' }));
    await sink.write(broadcasts, [{ id: 1, updated: '2024-04-01T00:00:00Z' }], resumeAt({ cursor: 'y' }));
    await sink.completeFullTable(
      messages,
      { readStartedAt: new Date(READ_STARTED) },
      { last_completed_at: READ_STARTED },
    );
    const all = capture.messages();
    const version = Date.parse(READ_STARTED);
    const records = ofType(all, 'RECORD');
    expect(records.find((r) => r.stream === 'messages')?.version).toBe(version);
    expect(records.find((r) => r.stream === 'broadcasts')).not.toHaveProperty('version');
    const activate = all.findIndex((m) => m.type === 'ACTIVATE_VERSION');
    expect(all[activate]).toEqual({ type: 'ACTIVATE_VERSION', stream: 'messages', version });
    expect(all[activate + 1]?.type).toBe('STATE');
  });

  it('does not report a batch written until the reader has taken it (back-pressure)', async () => {
    const out = new PassThrough({ highWaterMark: 64 });
    const spec = specNamed('messages');
    const sink = createSingerSink({ out });
    await sink.open(runInfo([spec]));
    const rows = Array.from({ length: 200 }, (_, i) => ({ id: `m${i}`, subject: 'x'.repeat(100) }));
    let settled = false;
    const writing = sink.write(spec, rows, resumeAt({ cursor: 'z' })).then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    let text = '';
    out.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    await writing;
    expect(settled).toBe(true);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(202);
    expect(JSON.parse(lines.at(-1)!).type).toBe('STATE');
  });

  it('fails the write when the reader has gone away', async () => {
    const out = new PassThrough();
    out.destroy();
    const spec = specNamed('messages');
    const sink = createSingerSink({ out });
    await sink.open(runInfo([spec]));
    await expect(sink.write(spec, [{ id: 'm' }], resumeAt(null))).rejects.toThrow();
  });

  it('logs METRIC counters on stderr: records per stream and http requests', async () => {
    const capture = captureLines();
    const err = captureLines();
    const metrics = new SingerMetrics({ err: err.out, intervalMs: 0 });
    const spec = specNamed('messages');
    const sink = createSingerSink({ out: capture.out, metrics });
    await sink.open(runInfo([spec]));
    await sink.write(spec, [{ id: 'a' }, { id: 'b' }], resumeAt({ cursor: 'n' }));
    sink.onEvent({ type: 'page', stream: 'messages', rows: 2, totalRows: 2, requests: 1 });
    await sink.write(spec, [{ id: 'c' }], resumeAt(null));
    sink.onEvent({ type: 'page', stream: 'messages', rows: 1, totalRows: 3, requests: 2 });
    sink.onEvent({
      type: 'stream_completed',
      stream: 'messages',
      stats: { status: 'complete', rows: 3, requests: 3 },
    });
    await sink.close(outcome({ messages: 'complete' }));
    const metricsLogged = err
      .text()
      .trim()
      .split('\n')
      .map((line) => {
        expect(line).toMatch(/^INFO METRIC: \{/);
        return JSON.parse(line.slice('INFO METRIC: '.length)) as {
          type: string;
          metric: string;
          value: number;
          tags: Record<string, unknown>;
        };
      });
    expect(metricsLogged.find((m) => m.metric === 'record_count')).toMatchObject({
      type: 'counter',
      value: 3,
      tags: { stream: 'messages' },
    });
    expect(metricsLogged.find((m) => m.metric === 'http_request_count')).toMatchObject({
      type: 'counter',
      value: 3,
    });
    expect(metricsLogged.at(-1)).toMatchObject({
      type: 'timer',
      metric: 'sync_duration',
      tags: { status: 'succeeded' },
    });
    expect(capture.text()).not.toContain('METRIC');
  });
});
