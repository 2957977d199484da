import type { Writable } from 'node:stream';
import type { StreamBookmark, SyncState } from '../../core/state.js';
import type { SyncEventListener } from '../../engine/events.js';
import type { CompleteFullTable, RunInfo, RunOutcome, StreamSpec, WriteResult } from '../../engine/sink.js';
import { conformRecords, withRawFields } from '../shared/conform-record.js';
import { createLineWriter } from '../shared/line-writer.js';
import { protocolSchema } from '../shared/protocol-record.js';
import type { ProtocolSink } from '../shared/protocol-sync.js';
import type { SingerMetrics } from './singer-metrics.js';
import { singerStateValue } from './singer-state.js';

export interface SingerSinkOptions {
  /** The message stream: stdout in the CLI. */
  out: Writable;
  /** The state from `--state`, already read with `syncStateFromSinger`. */
  state?: SyncState;
  /** Meltano's `emit_activate_version_messages`: version full-table records and activate them. */
  emitActivateVersion?: boolean;
  metrics?: SingerMetrics;
  now?: () => Date;
}

export interface SingerSink extends ProtocolSink {
  /** Pass to runSync's onEvent (feeds the metrics). */
  readonly onEvent: SyncEventListener;
  /** The state as the last STATE message carried it. */
  readonly state: SyncState;
}

/**
 * Singer tap output: SCHEMA before a stream's records (again when its schema grows), RECORD lines,
 * and after each batch the whole state as STATE, written only once the batch's records are out.
 */
export function createSingerSink(options: SingerSinkOptions): SingerSink {
  const writer = createLineWriter(options.out);
  const now = options.now ?? (() => new Date());
  const state: SyncState = structuredClone(options.state ?? { bookmarks: {} });
  const sentSchemas = new Map<string, string>();
  /** Per stream, the `<field>__raw` fields its records carried so far (declared in its SCHEMA). */
  const rawFields = new Map<string, Set<string>>();
  const runStreams = new Set<string>();
  let startedAt = now();
  let lastStateSent = '';

  /** SCHEMA when the stream has none yet or its schema changed since the last one. */
  const schemaMessages = (spec: StreamSpec): unknown[] => {
    const schema = withRawFields(protocolSchema(spec), rawFields.get(spec.name));
    const key = JSON.stringify(schema);
    if (sentSchemas.get(spec.name) === key) return [];
    sentSchemas.set(spec.name, key);
    const bookmarkProperties =
      spec.method === 'incremental' && spec.replicationKey ? [spec.replicationKey] : [];
    return [
      {
        type: 'SCHEMA',
        stream: spec.name,
        schema,
        key_properties: [...spec.primaryKey],
        bookmark_properties: bookmarkProperties,
      },
    ];
  };

  /** `currently_syncing` names a stream whose read is under way, so an interrupted run resumes it. */
  const remember = (stream: string, bookmark: StreamBookmark): void => {
    state.bookmarks[stream] = bookmark;
    if (bookmark.resume) {
      state.currently_syncing = stream;
    } else if (state.currently_syncing === stream) {
      const other = [...runStreams].find((name) => state.bookmarks[name]?.resume !== undefined);
      state.currently_syncing = other ?? null;
    }
  };

  const stateMessage = (): unknown => {
    const value = singerStateValue(state);
    lastStateSent = JSON.stringify(value);
    return { type: 'STATE', value };
  };

  /** Meltano's convention: the version of a full-table read is the instant that read began. */
  const versionOf = (spec: StreamSpec, readStartedAt: string | Date | undefined): number | undefined => {
    if (!options.emitActivateVersion || spec.method !== 'full_table') return undefined;
    const ms = readStartedAt === undefined ? Number.NaN : new Date(readStartedAt).getTime();
    return Number.isNaN(ms) ? startedAt.getTime() : ms;
  };

  return {
    capabilities: { transactionalState: false, storesState: false },
    state,

    onEvent(event) {
      options.metrics?.onEvent(event);
    },

    async open(run: RunInfo): Promise<SyncState> {
      startedAt = run.startedAt;
      for (const spec of run.streams) runStreams.add(spec.name);
      return structuredClone(state);
    },

    async prepareStream(spec: StreamSpec): Promise<void> {
      runStreams.add(spec.name);
      writer.send(schemaMessages(spec));
    },

    async write(spec: StreamSpec, rows, bookmark): Promise<WriteResult> {
      const conformed = conformRecords(spec, rows, rawFields);
      const messages = schemaMessages(spec);
      const timeExtracted = now().toISOString();
      const version = versionOf(spec, bookmark.resume?.read_started_at);
      for (const record of conformed.records) {
        messages.push(
          version === undefined
            ? { type: 'RECORD', stream: spec.name, record, time_extracted: timeExtracted }
            : { type: 'RECORD', stream: spec.name, record, version, time_extracted: timeExtracted },
        );
      }
      remember(spec.name, bookmark);
      messages.push(stateMessage());
      await writer.sendAndFlush(messages);
      options.metrics?.countRecords(spec.name, rows.length);
      return {
        written: rows.length,
        unchanged: 0,
        ...(conformed.coerced > 0 ? { coerced: conformed.coerced } : {}),
      };
    },

    async completeFullTable(spec: StreamSpec, done: CompleteFullTable, bookmark): Promise<number> {
      const messages = schemaMessages(spec);
      const version = versionOf(spec, done.readStartedAt);
      if (version !== undefined) messages.push({ type: 'ACTIVATE_VERSION', stream: spec.name, version });
      remember(spec.name, bookmark);
      messages.push(stateMessage());
      await writer.sendAndFlush(messages);
      return 0;
    },

    async saveBookmark(spec: StreamSpec, bookmark): Promise<void> {
      remember(spec.name, bookmark);
      await writer.sendAndFlush([stateMessage()]);
    },

    async close(outcome: RunOutcome): Promise<void> {
      const finished = Object.values(outcome.streams).every((s) => s.status === 'complete');
      if (finished && outcome.status === 'succeeded') state.currently_syncing = null;
      if (JSON.stringify(singerStateValue(state)) !== lastStateSent) writer.send([stateMessage()]);
      options.metrics?.close(
        outcome.status === 'failed' ? 'failed' : 'succeeded',
        (outcome.finishedAt.getTime() - startedAt.getTime()) / 1000,
      );
      await writer.flush();
    },
  };
}
