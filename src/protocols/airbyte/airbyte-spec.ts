import { HOMEPAGE } from '../../core/version.js';
import type { JsonSchema } from '../../streams/types.js';
import { protocolSettingsSchema } from '../shared/settings-schema.js';

/** The Airbyte protocol version these messages follow (spec/airbyte_protocol.v0.yaml). */
const AIRBYTE_PROTOCOL_VERSION = '0.3.2';

/** The config's JSON Schema as Airbyte shows it. Tables are chosen in Airbyte's catalog, not here. */
export function connectionSpecification(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Customer.io (cio-sync) source',
    ...protocolSettingsSchema(['streams']),
    // Airbyte may add keys of its own to a saved config; they must not fail validation.
    additionalProperties: true,
  };
}

/**
 * The SPEC message: what `cio-sync airbyte spec` prints. `documentationUrl` is the package's
 * homepage (its README) once package.json names one; the package is not published anywhere yet, and
 * the protocol makes the field optional, so until then it is left out rather than pointing at a page
 * that does not exist.
 */
export function airbyteSpecMessage(homepage: string | undefined = HOMEPAGE): Record<string, unknown> {
  return {
    type: 'SPEC',
    spec: {
      ...(homepage === undefined ? {} : { documentationUrl: homepage }),
      connectionSpecification: connectionSpecification(),
      supportsIncremental: true,
      supported_destination_sync_modes: ['overwrite', 'append', 'append_dedup'],
      protocol_version: AIRBYTE_PROTOCOL_VERSION,
    },
  };
}
