import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const SPEC_FILE = new URL('../../../spec/airbyte_protocol.v0.yaml', import.meta.url);

function loadProtocol(): { ajv: Ajv; id: string } {
  const document = parse(readFileSync(SPEC_FILE, 'utf8')) as { $id: string };
  // The protocol YAML carries Java codegen keywords (existingJavaType): not strict.
  const ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addSchema(document);
  return { ajv, id: document.$id };
}

const protocol = loadProtocol();

function validatorFor(definition: string): ValidateFunction {
  const validate = protocol.ajv.getSchema(`${protocol.id}#/definitions/${definition}`);
  if (!validate) throw new Error(`The Airbyte protocol has no definition ${definition}`);
  return validate;
}

/** Validation errors of a value against one definition of the Airbyte protocol (empty: valid). */
export function protocolErrors(definition: string, value: unknown): string[] {
  const validate = validatorFor(definition);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${definition}${e.instancePath} ${e.message ?? ''}`);
}

/**
 * The protocol's AirbyteMessage only checks the payload key of the message's own type; it also
 * lets a wrong payload key pass. So check both: the envelope, and that the type's key is there.
 */
const PAYLOAD_KEY: Record<string, string> = {
  RECORD: 'record',
  STATE: 'state',
  LOG: 'log',
  SPEC: 'spec',
  CONNECTION_STATUS: 'connectionStatus',
  CATALOG: 'catalog',
  TRACE: 'trace',
  CONTROL: 'control',
};

export function airbyteMessageErrors(message: unknown): string[] {
  const errors = protocolErrors('AirbyteMessage', message);
  const type = (message as { type?: unknown }).type;
  const key = typeof type === 'string' ? PAYLOAD_KEY[type] : undefined;
  if (!key || (message as Record<string, unknown>)[key] === undefined) {
    errors.push(`message of type ${String(type)} lacks its payload key ${String(key)}`);
  }
  return errors;
}

/**
 * A strict draft-07 validator that knows Airbyte's annotation keywords, for the schemas we emit
 * (connectionSpecification, stream json_schema): strict mode catches typos in standard keywords.
 */
export function airbyteSchemaAjv(): Ajv {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  ajv.addVocabulary(['airbyte_secret', 'airbyte_type', 'airbyte_hidden', 'order', 'group', 'always_show']);
  return ajv;
}
