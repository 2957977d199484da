import { PassThrough } from 'node:stream';
import type { StreamSpec } from '../../../src/engine/sink.js';

const META = {
  _cio_synced_at: { type: 'string', format: 'date-time' },
  _cio_deleted_at: { type: ['string', 'null'], format: 'date-time' },
};

/** Hand-made specs shaped like the real ones: incremental with a time cursor, full table, a text key. */
export function specs(): StreamSpec[] {
  return [
    {
      name: 'broadcasts',
      primaryKey: ['id'],
      replicationKey: 'updated',
      method: 'incremental',
      schema: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          name: { type: ['string', 'null'] },
          updated: { type: 'string', format: 'date-time' },
          created: { type: ['string', 'null'], format: 'date-time' },
          tags: { type: ['array', 'null'], items: { type: 'string' } },
          ...META,
        },
      },
    },
    {
      name: 'messages',
      primaryKey: ['id'],
      method: 'full_table',
      schema: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          created: { type: 'string', format: 'date-time' },
          metrics: {
            type: ['object', 'null'],
            additionalProperties: false,
            properties: { sent: { type: 'integer' } },
          },
          subject: { type: ['string', 'null'] },
          ...META,
        },
      },
    },
    {
      name: 'snippets',
      primaryKey: ['name'],
      replicationKey: 'updated_at',
      method: 'incremental',
      schema: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          value: { type: ['string', 'null'] },
          updated_at: { type: 'string', format: 'date-time' },
          ...META,
        },
      },
    },
  ];
}

export function specNamed(name: string): StreamSpec {
  const found = specs().find((s) => s.name === name);
  if (!found) throw new Error(`no fixture spec ${name}`);
  return found;
}

/** A Writable that keeps every line written to it, parsed as JSON. */
export function captureLines(): {
  out: PassThrough;
  messages: () => Record<string, unknown>[];
  text: () => string;
} {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return {
    out,
    text: () => text,
    messages: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export function runInfo(streams: StreamSpec[], startedAt = new Date('2024-05-01T00:00:00Z')) {
  return { runId: 'test-run', startedAt, streams };
}
