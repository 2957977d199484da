import { ENV_KEYS } from '../../config/load.js';
import { NODE_ENGINE, VERSION } from '../../core/version.js';
import { STREAM_DEFINITIONS } from '../../streams/definitions.js';
import type { JsonSchema } from '../../streams/types.js';

/** The formats of `tap --about --format`: the Singer SDK's json and markdown. */
export const ABOUT_FORMATS = ['json', 'markdown'] as const;
export type AboutFormat = (typeof ABOUT_FORMATS)[number];

const NAME = 'tap-cio-sync';
/** The Singer SDK's capability names, for what this tap does. */
const CAPABILITIES = ['catalog', 'discover', 'state', 'properties', 'about', 'activate-version'];

/**
 * A setting as the Singer SDK describes one: `secret` and `writeOnly` flag a secret (the shared
 * schema says `airbyte_secret`); Airbyte's form keys stay out.
 */
function singerSetting(schema: JsonSchema): JsonSchema {
  const { airbyte_secret: secret, order: _order, ...rest } = schema;
  return secret === true ? { ...rest, secret: true, writeOnly: true } : rest;
}

function singerSettings(settings: JsonSchema): JsonSchema {
  const properties = Object.entries(settings.properties ?? {}).map(([name, s]) => [name, singerSetting(s)]);
  return { ...settings, properties: Object.fromEntries(properties) };
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, '<br/>');
}

function typeOf(schema: JsonSchema): string {
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  if (Array.isArray(schema.enum)) return `${type}: ${schema.enum.map((v) => String(v)).join(' | ')}`;
  return type === 'array' && schema.items?.type ? `array of ${String(schema.items.type)}` : type;
}

function markdown(about: ReturnType<typeof aboutInfo>): string {
  const rows = Object.entries(about.settings.properties ?? {}).map(([name, s]) => {
    const required = about.settings.required?.includes(name) ? 'True' : 'False';
    const fallback = s.default === undefined ? 'None' : JSON.stringify(s.default);
    const type = `${typeOf(s)}${s.secret === true ? ' (secret)' : ''}`;
    return `| ${name} | ${required} | ${fallback} | ${cell(type)} | ${cell(String(s.description ?? s.title ?? ''))} |`;
  });
  const variables = Object.entries(ENV_KEYS)
    .filter(([, key]) => Object.hasOwn(about.settings.properties ?? {}, key))
    .map(([variable, key]) => `- \`${variable}\`: ${key}`);
  return [
    `# \`${about.name}\``,
    '',
    about.description,
    '',
    "Built with Node.js, not with the Meltano Singer SDK; it follows the SDK's conventions.",
    '',
    '## Capabilities',
    '',
    ...about.capabilities.map((c) => `- \`${c}\``),
    '',
    '## Supported Node.js versions',
    '',
    `- ${about.supported_node_versions ?? 'any'}`,
    '',
    '## Settings',
    '',
    '| Setting | Required | Default | Type | Description |',
    '|:--------|:--------:|:-------:|:-----|:------------|',
    ...rows,
    '',
    'Settings this tap does not know (Meltano adds `flattening_enabled`, `stream_maps`, ...) are',
    'ignored, with one warning on stderr naming them.',
    '',
    '## Environment variables',
    '',
    'With `--config ENV` the settings come from these variables only:',
    '',
    ...variables,
    '',
    `A full list of supported settings and capabilities is available by running: \`${about.name} --about\``,
    '',
  ].join('\n');
}

function aboutInfo(settings: JsonSchema) {
  return {
    name: NAME,
    description: `Singer tap for the Customer.io App API (${STREAM_DEFINITIONS.length} tables), part of cio-sync.`,
    version: VERSION,
    // The Singer SDK's keys: this tap is not built with it, nor in Python.
    sdk_version: null,
    supported_python_versions: null,
    supported_node_versions: NODE_ENGINE ?? null,
    capabilities: CAPABILITIES,
    settings: singerSettings(settings),
  };
}

/** `tap --about`: what the tap is, its capabilities and settings, as the Singer SDK prints them. */
export function aboutTap(format: AboutFormat, settings: JsonSchema): string {
  const about = aboutInfo(settings);
  return format === 'markdown' ? markdown(about) : JSON.stringify(about, null, 2);
}
