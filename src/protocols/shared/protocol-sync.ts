import type { Config } from '../../config/schema.js';
import { type CioError, exitCodeFor, PARTIAL_EXIT_CODE } from '../../core/errors.js';
import { untilInterrupted } from '../../core/interrupt.js';
import type { SyncState } from '../../core/state.js';
import type { SyncEventListener } from '../../engine/events.js';
import type { Sink, StreamSpec } from '../../engine/sink.js';
import { runSync, type StreamSelection, type SyncResult } from '../../engine/sync.js';
import { allStreamSpecs } from './stream-specs.js';

/** A sink that writes a protocol's messages; it also hears the engine's events (statuses, metrics). */
export interface ProtocolSink extends Sink {
  readonly onEvent: SyncEventListener;
}

/** What differs between the protocols' syncs: their state file, their sink, how they report. */
export interface ProtocolSync<S extends ProtocolSink> {
  config: Config;
  /** The streams and fields the protocol's catalog (or the config) selected. */
  selection: StreamSelection[];
  /** `--state FILE`, if given. */
  statePath: string | undefined;
  /** Reads and checks the protocol's state file (before any message is written). */
  readStateFile(path: string, specs: readonly StreamSpec[]): SyncState;
  /** The sink, starting from the state file's state (undefined: from the start date). */
  createSink(state: SyncState | undefined): S;
  /** Messages owed before the read starts (Airbyte's LOG notes about its inputs). */
  beforeRead?(): Promise<void>;
  /** Also told every engine event, after the sink (the tap's log on stderr). */
  onEvent?: SyncEventListener;
  /** Says, in the protocol's way, why the run failed; the exit status is set after it. */
  onFailure(error: CioError, sink: S): Promise<void> | void;
  /**
   * Says, in the protocol's way, that some streams were skipped (a key without their scope) while
   * the others completed; the exit status (PARTIAL_EXIT_CODE, as the CLI's) is set after it.
   */
  onPartial(result: SyncResult, sink: S): Promise<void> | void;
}

/**
 * Runs a sync for a protocol: reads the state file, runs the engine into the protocol's sink until
 * it ends or the process is interrupted (Ctrl-C, SIGTERM: committed progress is in the last STATE),
 * then reports a failure, or streams skipped for want of scope, the protocol's way with a non-zero
 * exit status: both protocols call any non-zero exit a failed run, so a scheduler notices.
 */
export async function runProtocolSync<S extends ProtocolSink>(protocol: ProtocolSync<S>): Promise<void> {
  const state = protocol.statePath ? protocol.readStateFile(protocol.statePath, allStreamSpecs()) : undefined;
  const sink = protocol.createSink(state);
  await protocol.beforeRead?.();
  await untilInterrupted(async (signal) => {
    const result = await runSync({
      config: protocol.config,
      sink,
      selection: protocol.selection,
      signal,
      onEvent: (event) => {
        sink.onEvent(event);
        protocol.onEvent?.(event);
      },
    });
    if (result.error) {
      await protocol.onFailure(result.error, sink);
      process.exitCode = exitCodeFor(result.error);
    } else if (result.status === 'partial') {
      await protocol.onPartial(result, sink);
      process.exitCode = PARTIAL_EXIT_CODE;
    }
  });
}
