import { readJsonFile } from '../../config/json-file.js';
import { resolveConfig } from '../../config/load.js';
import { type Config, ConfigSchema } from '../../config/schema.js';
import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';

export interface ProtocolConfigOptions {
  /** Protocol-only settings to take out before the config is validated (kept in `extras`). */
  extraKeys?: readonly string[];
  /** Drop unknown settings (listed in `ignored`) instead of refusing them. */
  dropUnknown?: boolean;
  requireToken?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface ProtocolConfig {
  config: Config;
  extras: Record<string, unknown>;
  ignored: string[];
}

/** Keys the config loader accepts besides the schema's own: the token's alias and other taps' keys. */
const ALSO_ACCEPTED = ['api_key', 'site_id', 'user_agent_email', 'lookback_window', 'page_size'];

/**
 * Loads the `--config FILE` of a tap or source run: the same settings as every command, plus the
 * protocol's own keys. `FILE` may be the word ENV (Meltano's convention): settings come from the
 * environment only. The file's values win over the environment, as a tap's config file should.
 */
export function loadProtocolConfig(
  path: string | undefined,
  options: ProtocolConfigOptions = {},
): ProtocolConfig {
  const raw = path === undefined || path === 'ENV' ? {} : readJsonFile(path, 'config');
  if (!isRecord(raw)) {
    throw new CioError('CIO_ERR_CONFIG', `The config file ${path} must hold a JSON object of settings.`);
  }
  const settings: Record<string, unknown> = {};
  const extras: Record<string, unknown> = {};
  const ignored: string[] = [];
  const known = new Set([...Object.keys(ConfigSchema.properties), ...ALSO_ACCEPTED]);
  for (const [key, value] of Object.entries(raw)) {
    if (options.extraKeys?.includes(key)) extras[key] = value;
    else if (options.dropUnknown && !known.has(key)) ignored.push(key);
    else settings[key] = value;
  }
  const config = resolveConfig({
    env: options.env ?? process.env,
    flags: settings,
    requireToken: options.requireToken ?? true,
  });
  return { config, extras, ignored };
}
