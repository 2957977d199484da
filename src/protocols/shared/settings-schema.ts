import { ConfigSchema } from '../../config/schema.js';
import { isRecord } from '../../core/json.js';
import type { JsonSchema } from '../../streams/types.js';

/** Settings that only the database commands use: in tap and source modes the target decides. */
const DATABASE_ONLY = [
  'destination',
  'schema',
  'batch_size_rows',
  'webhook_signing_key',
  'webhook_max_body_bytes',
];

/** TypeBox writes a union of literals as `anyOf` of `const`s; form builders (Airbyte's UI) want `enum`. */
function enumsFromLiteralUnions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(enumsFromLiteralUnions);
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = enumsFromLiteralUnions(value);
  const options = out.anyOf;
  if (Array.isArray(options) && options.length > 0 && options.every((o) => isRecord(o) && 'const' in o)) {
    const values = options.map((o) => (o as Record<string, unknown>).const);
    delete out.anyOf;
    out.type = typeof values[0] === 'number' ? 'number' : 'string';
    out.enum = values;
  }
  return out;
}

/**
 * The settings a protocol run takes, as plain JSON Schema (no TypeBox symbols, no `$ref`), from the
 * one Config schema. `omit` drops more settings (Airbyte selects tables in its catalog).
 */
export function protocolSettingsSchema(omit: readonly string[] = []): JsonSchema {
  const plain = JSON.parse(JSON.stringify(ConfigSchema)) as JsonSchema;
  const properties = { ...(plain.properties ?? {}) };
  for (const key of [...DATABASE_ONLY, ...omit]) delete properties[key];
  return {
    type: 'object',
    // Every other setting has a default that the config loader fills in.
    required: ['access_token'],
    properties: enumsFromLiteralUnions(properties) as Record<string, JsonSchema>,
  };
}
