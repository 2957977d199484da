import { describe, expect, it } from 'vitest';
import { streamSpecFor } from '../../src/engine/catalog.js';
import { selectRowFields } from '../../src/engine/field-selection.js';
import { streamJobFor } from '../../src/engine/stream-job.js';
import { getDefinition } from '../../src/streams/definitions.js';

const NO_STATE = { bookmarks: {} };

describe('streamJobFor', () => {
  it('keeps every field and the full spec when no field is selected', () => {
    const job = streamJobFor({ name: 'broadcasts' }, NO_STATE);
    expect(job.fields).toBeUndefined();
    expect(job.spec).toEqual(streamSpecFor(getDefinition('broadcasts')));
  });

  it('declares only the selected fields, plus the key, the bookmark field and the metadata columns', () => {
    const job = streamJobFor({ name: 'broadcasts', fields: ['name'] }, NO_STATE);
    const declared = ['id', 'name', 'updated', '_cio_synced_at', '_cio_deleted_at'];
    expect(Object.keys(job.spec.schema.properties ?? {}).sort()).toEqual([...declared].sort());
    expect([...(job.fields ?? [])].sort()).toEqual([...declared].sort());
    expect(job.spec.schema.required).toEqual(['id', 'updated']);
  });

  it('lets a protocol stream read partially only when chosen incremental on its time field', () => {
    expect(streamJobFor({ name: 'messages', method: 'incremental' }, NO_STATE).partialAllowed).toBe(true);
    expect(streamJobFor({ name: 'messages' }, NO_STATE).partialAllowed).toBeUndefined();
    // Incremental on `updated`, it promises every record changed since its bookmark: read whole.
    expect(
      streamJobFor({ name: 'newsletters', method: 'incremental' }, NO_STATE).partialAllowed,
    ).toBeUndefined();
    expect(streamJobFor({ name: 'newsletters' }, NO_STATE, true).partialAllowed).toBe(true);
  });

  it('reads an incremental stream in full when asked, still resuming an interrupted read', () => {
    const resume = { read_started_at: '2024-05-01T00:00:00Z', position: { cursor: 'p2' } };
    const state = {
      bookmarks: { broadcasts: { replication_key_value: '2024-04-01T00:00:00Z', resume } },
    };
    const full = streamJobFor({ name: 'broadcasts', method: 'full_table' }, state);
    expect(full.spec.method).toBe('full_table');
    expect(full.bookmark.replication_key_value).toBeUndefined();
    expect(full.bookmark.resume).toEqual(resume);
    expect(streamJobFor({ name: 'broadcasts' }, state).bookmark).toEqual(state.bookmarks.broadcasts);
  });
});

describe('selectRowFields', () => {
  it('keeps only the kept fields, in the order the row has them', () => {
    const row = { updated: 'u', tags: ['t'], id: 1, name: 'a', created: null };
    const kept = selectRowFields(row, new Set(['id', 'name', 'updated', '_cio_synced_at']));
    expect(JSON.stringify(kept)).toBe(JSON.stringify({ updated: 'u', id: 1, name: 'a' }));
  });
});
