import type { Writable } from 'node:stream';
import type { StreamBookmark, SyncState } from '../../core/state.js';
import type { SyncEvent, SyncEventListener } from '../../engine/events.js';
import type { CompleteFullTable, RunInfo, RunOutcome, StreamSpec, WriteResult } from '../../engine/sink.js';
import { conformRecords } from '../shared/conform-record.js';
import { createLineWriter } from '../shared/line-writer.js';
import type { ProtocolSink } from '../shared/protocol-sync.js';
import {
  errorTraceMessage,
  type LogLevel,
  logMessage,
  recordMessage,
  type StreamStatus,
  streamStatusMessage,
} from './airbyte-messages.js';
import { airbyteStreamStateMessage } from './airbyte-state.js';
import { StreamStatusTracker } from './stream-status-tracker.js';

export interface AirbyteSinkOptions {
  /** The message stream: stdout in the CLI. */
  out: Writable;
  /** The state from `read --state`, already read with `syncStateFromAirbyte`. */
  state?: SyncState;
  /**
   * The platform fails a sync that stays silent too long; after this much silence a LOG says
   * which streams are still being read (the API may be filtering or throttling). Default 60 s.
   */
  heartbeatMs?: number;
  /** Removes secrets from error texts. */
  redact?: (text: string) => string;
  now?: () => number;
}

export interface AirbyteSink extends ProtocolSink {
  /** Pass to runSync's onEvent: stream statuses and per-stream error traces come from the events. */
  readonly onEvent: SyncEventListener;
  /** Emits a TRACE ERROR for a failure that ends the run, unless that same error was already traced. */
  fail(error: unknown): Promise<void>;
}

/**
 * Airbyte source output: RECORD lines, then a per-stream STATE once they are out, with the
 * STREAM_STATUS traces in order around them. The catalog is fixed at discovery, so a schema that
 * grows changes nothing here: the declared schemas allow additional properties.
 */
export function createAirbyteSink(options: AirbyteSinkOptions): AirbyteSink {
  const now = options.now ?? Date.now;
  const writer = createLineWriter(options.out, now);
  const statuses = new StreamStatusTracker();
  const traced = new WeakSet<object>();
  const sinceState = new Map<string, number>();
  const totals = new Map<string, number>();
  const heartbeatMs = options.heartbeatMs ?? 60_000;
  let runStreams: string[] = [];
  let heartbeat: NodeJS.Timeout | undefined;

  const statusMessages = (stream: string, target: StreamStatus): unknown[] =>
    statuses.advance(stream, target).map((status) => streamStatusMessage(stream, status, now()));

  const traceError = (error: unknown, stream?: string): unknown[] => {
    if (typeof error === 'object' && error !== null) {
      if (traced.has(error)) return [];
      traced.add(error);
    }
    return [
      errorTraceMessage(error, {
        emittedAt: now(),
        ...(stream ? { stream } : {}),
        ...(options.redact ? { redact: options.redact } : {}),
      }),
    ];
  };

  const stateMessage = (stream: string, bookmark: StreamBookmark): unknown => {
    const count = sinceState.get(stream) ?? 0;
    sinceState.set(stream, 0);
    return airbyteStreamStateMessage(stream, bookmark, count);
  };

  const onEvent = (event: SyncEvent): void => {
    switch (event.type) {
      case 'stream_started':
        writer.send(statusMessages(event.stream, 'STARTED'));
        break;
      case 'stream_completed':
        writer.send(statusMessages(event.stream, 'COMPLETE'));
        break;
      case 'stream_failed':
        writer.send([
          ...traceError(event.error, event.stream),
          ...statusMessages(event.stream, 'INCOMPLETE'),
        ]);
        break;
      case 'stream_skipped':
        writer.send([
          logMessage('WARN', `Stream ${event.stream} skipped: ${event.reason}`),
          ...statusMessages(event.stream, 'INCOMPLETE'),
        ]);
        break;
      case 'log':
        if (event.level !== 'debug') {
          const level: LogLevel =
            event.level === 'warn' ? 'WARN' : event.level === 'error' ? 'ERROR' : 'INFO';
          writer.send([
            logMessage(level, event.stream ? `${event.stream}: ${event.message}` : event.message),
          ]);
        }
        break;
      default:
        break;
    }
  };

  const beat = (): void => {
    if (now() - writer.lastSentAt < heartbeatMs) return;
    const active = statuses.active();
    const detail = active.map((stream) => `${stream} (${totals.get(stream) ?? 0} records so far)`).join(', ');
    writer.send([logMessage('INFO', active.length > 0 ? `Still reading: ${detail}.` : 'Still working.')]);
  };

  return {
    capabilities: { transactionalState: false, storesState: false },
    onEvent,

    async open(run: RunInfo): Promise<SyncState> {
      runStreams = run.streams.map((spec) => spec.name);
      if (heartbeatMs > 0 && !heartbeat) {
        heartbeat = setInterval(beat, Math.max(1, Math.min(heartbeatMs, 10_000)));
        heartbeat.unref();
      }
      return structuredClone(options.state ?? { bookmarks: {} });
    },

    async prepareStream(spec: StreamSpec): Promise<void> {
      writer.send(statusMessages(spec.name, 'STARTED'));
    },

    async write(spec: StreamSpec, rows, bookmark): Promise<WriteResult> {
      const messages = statusMessages(spec.name, 'RUNNING');
      const emittedAt = now();
      const conformed = conformRecords(spec, rows);
      for (const row of conformed.records) messages.push(recordMessage(spec.name, row, emittedAt));
      sinceState.set(spec.name, (sinceState.get(spec.name) ?? 0) + rows.length);
      totals.set(spec.name, (totals.get(spec.name) ?? 0) + rows.length);
      messages.push(stateMessage(spec.name, bookmark));
      await writer.sendAndFlush(messages);
      return {
        written: rows.length,
        unchanged: 0,
        ...(conformed.coerced > 0 ? { coerced: conformed.coerced } : {}),
      };
    },

    async completeFullTable(spec: StreamSpec, _done: CompleteFullTable, bookmark): Promise<number> {
      await writer.sendAndFlush([...statusMessages(spec.name, 'RUNNING'), stateMessage(spec.name, bookmark)]);
      return 0;
    },

    async saveBookmark(spec: StreamSpec, bookmark): Promise<void> {
      await writer.sendAndFlush([...statusMessages(spec.name, 'RUNNING'), stateMessage(spec.name, bookmark)]);
    },

    async close(outcome: RunOutcome): Promise<void> {
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
      // Every stream the run began ends with a final status, even if the engine said nothing more.
      const messages: unknown[] = [];
      for (const stream of new Set([...runStreams, ...Object.keys(outcome.streams)])) {
        const stats = outcome.streams[stream];
        if (stats?.status === 'complete') messages.push(...statusMessages(stream, 'COMPLETE'));
        else if (stats || statuses.has(stream)) messages.push(...statusMessages(stream, 'INCOMPLETE'));
      }
      await writer.sendAndFlush(messages);
    },

    async fail(error: unknown): Promise<void> {
      await writer.sendAndFlush(traceError(error));
    },
  };
}
