import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCioError } from '../../src/core/errors.js';
import type { StreamBookmark, SyncState } from '../../src/core/state.js';
import { airbyteStateMessages, syncStateFromAirbyte } from '../../src/protocols/airbyte/airbyte-state.js';
import { singerStateValue, syncStateFromSinger } from '../../src/protocols/singer/singer-state.js';
import { airbyteMessageErrors } from './helpers/airbyte-protocol.js';
import { specs } from './helpers/fixtures.js';

const BOOKMARK: StreamBookmark = {
  replication_key: 'updated',
  replication_key_value: '2024-03-01T10:00:00Z',
  last_completed_at: '2024-03-02T00:00:00Z',
};
const RESUMING: StreamBookmark = {
  resume: {
    read_started_at: '2024-03-02T00:00:00Z',
    position: { cursor: 'abc' },
    min_time: '2024-01-01T00:00:00Z',
  },
};

function stateError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isCioError(error) && error.code === 'CIO_ERR_STATE') return error.message;
    throw error;
  }
  throw new Error('expected CIO_ERR_STATE');
}

const instant = fc
  .date({ min: new Date('2009-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

// The engine writes the replication key and its value together, and either may be absent.
const bookmarkArb: fc.Arbitrary<StreamBookmark> = fc
  .record(
    {
      cursor: fc.option(instant, { nil: undefined }),
      last_completed_at: instant,
      resume: fc.record(
        {
          read_started_at: instant,
          position: fc.oneof(
            fc.record({ cursor: fc.string() }),
            fc.record({ offset: fc.nat() }),
            fc.constant(null),
          ),
          pending_max: instant,
        },
        { requiredKeys: ['read_started_at', 'position'] },
      ),
    },
    { requiredKeys: ['cursor'] },
  )
  .map(({ cursor, ...rest }) => ({
    ...rest,
    ...(cursor === undefined ? {} : { replication_key: 'updated', replication_key_value: cursor }),
  }));

const stateArb: fc.Arbitrary<SyncState> = fc
  .record({ broadcasts: bookmarkArb, messages: bookmarkArb, snippets: bookmarkArb }, { requiredKeys: [] })
  .map((bookmarks) => ({ bookmarks: bookmarks as Record<string, StreamBookmark> }));

describe('Airbyte state <-> SyncState', () => {
  it('round-trips any state through per-stream STATE messages that the protocol accepts', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const messages = airbyteStateMessages(state);
        for (const message of messages) expect(airbyteMessageErrors(message)).toEqual([]);
        // The platform hands back the `state` payloads of the last STATE message per stream.
        const handedBack = messages.map((m) => m.state);
        const back = syncStateFromAirbyte(handedBack, specs());
        expect(back.bookmarks).toEqual(state.bookmarks);
      }),
      { numRuns: 200 },
    );
  });

  it('reads GLOBAL, LEGACY, bare legacy objects, whole STATE messages and nothing', () => {
    const global = {
      type: 'GLOBAL',
      global: {
        shared_state: {},
        stream_states: [{ stream_descriptor: { name: 'broadcasts' }, stream_state: BOOKMARK }],
      },
    };
    expect(syncStateFromAirbyte([global], specs()).bookmarks).toEqual({ broadcasts: BOOKMARK });
    expect(syncStateFromAirbyte({ type: 'LEGACY', data: { messages: RESUMING } }, specs()).bookmarks).toEqual(
      {
        messages: RESUMING,
      },
    );
    expect(syncStateFromAirbyte({ bookmarks: { broadcasts: BOOKMARK } }, specs()).bookmarks).toEqual({
      broadcasts: BOOKMARK,
    });
    expect(
      syncStateFromAirbyte({ snippets: { updated_at: '2024-01-01T00:00:00Z' } }, specs()).bookmarks,
    ).toEqual({
      snippets: { replication_key: 'updated_at', replication_key_value: '2024-01-01T00:00:00Z' },
    });
    const wrapped = {
      type: 'STATE',
      state: { type: 'STREAM', stream: { stream_descriptor: { name: 'messages' }, stream_state: RESUMING } },
    };
    expect(syncStateFromAirbyte([wrapped], specs()).bookmarks).toEqual({ messages: RESUMING });
    expect(syncStateFromAirbyte(null, specs())).toEqual({ bookmarks: {} });
    expect(syncStateFromAirbyte([], specs())).toEqual({ bookmarks: {} });
  });

  it('ignores streams it does not know and refuses states it cannot use', () => {
    const other = [
      { type: 'STREAM', stream: { stream_descriptor: { name: 'old_stream' }, stream_state: { x: 1 } } },
    ];
    expect(syncStateFromAirbyte(other, specs())).toEqual({ bookmarks: {} });
    expect(stateError(() => syncStateFromAirbyte([{ type: 'PER_TABLE' }], specs()))).toMatch(
      /unknown state type/,
    );
    expect(stateError(() => syncStateFromAirbyte([{ type: 'STREAM', stream: {} }], specs()))).toMatch(
      /stream_descriptor/,
    );
    const notADate = [
      {
        type: 'STREAM',
        stream: {
          stream_descriptor: { name: 'broadcasts' },
          stream_state: { replication_key_value: 'soon' },
        },
      },
    ];
    expect(stateError(() => syncStateFromAirbyte(notADate, specs()))).toMatch(
      /broadcasts.*"soon" is not a date/,
    );
    const badResume = [
      {
        type: 'STREAM',
        stream: { stream_descriptor: { name: 'messages' }, stream_state: { resume: 'page 3' } },
      },
    ];
    expect(stateError(() => syncStateFromAirbyte(badResume, specs()))).toMatch(/resume must be an object/);
  });
});

describe('Singer state <-> SyncState', () => {
  it('round-trips bookmarks and currently_syncing', () => {
    fc.assert(
      fc.property(stateArb, fc.constantFrom('broadcasts', 'messages', null), (state, current) => {
        const value = singerStateValue({ ...state, currently_syncing: current });
        const back = syncStateFromSinger(JSON.parse(JSON.stringify(value)), specs());
        expect(back.bookmarks).toEqual(state.bookmarks);
        expect(back.currently_syncing ?? null).toBe(current);
      }),
      { numRuns: 200 },
    );
  });

  it("reads singer-python's {<replication key>: value}, older bare values and unix seconds", () => {
    const state = syncStateFromSinger(
      {
        bookmarks: {
          broadcasts: { updated: '2024-02-01T00:00:00Z' },
          snippets: '2024-02-02T00:00:00Z',
          messages: 'ignored',
        },
      },
      specs(),
    );
    expect(state.bookmarks).toEqual({
      broadcasts: { replication_key: 'updated', replication_key_value: '2024-02-01T00:00:00Z' },
      snippets: { replication_key: 'updated_at', replication_key_value: '2024-02-02T00:00:00Z' },
    });
    expect(
      syncStateFromSinger({ bookmarks: { broadcasts: { replication_key_value: 1706745600 } } }, specs())
        .bookmarks,
    ).toEqual({
      broadcasts: { replication_key: 'updated', replication_key_value: '2024-02-01T00:00:00Z' },
    });
  });

  it('unwraps a STATE message and Meltano singer_state, and keeps bookmarks of streams not synced now', () => {
    const inner = {
      bookmarks: { broadcasts: BOOKMARK, campaigns: { replication_key_value: 'x' } },
      currently_syncing: 'broadcasts',
    };
    for (const raw of [inner, { type: 'STATE', value: inner }, { singer_state: inner }]) {
      const state = syncStateFromSinger(raw, specs());
      expect(state.bookmarks.broadcasts).toEqual(BOOKMARK);
      expect(state.bookmarks.campaigns).toEqual({ replication_key_value: 'x' });
      expect(state.currently_syncing).toBe('broadcasts');
    }
    expect(syncStateFromSinger({}, specs())).toEqual({ bookmarks: {} });
  });

  it('refuses a state that is not an object of bookmarks', () => {
    expect(stateError(() => syncStateFromSinger([1, 2], specs()))).toMatch(/JSON object/);
    expect(stateError(() => syncStateFromSinger({ bookmarks: [] }, specs()))).toMatch(
      /"bookmarks" must be an object/,
    );
    expect(
      stateError(() => syncStateFromSinger({ bookmarks: { broadcasts: { updated: true } } }, specs())),
    ).toMatch(/broadcasts/);
  });
});
