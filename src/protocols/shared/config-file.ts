import { readJsonFile } from '../../config/json-file.js';
import { resolveConfig, unknownSettingKeys } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';

export interface ProtocolConfigOptions {
  /** Protocol-only settings to take out before the config is validated (kept in `extras`). */
  extraKeys?: readonly string[];
  requireToken?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface ProtocolConfig {
  config: Config;
  extras: Record<string, unknown>;
  /**
   * Keys no setting names, left out instead of refused: orchestrators add their own (Meltano's
   * `flattening_enabled`, `stream_maps`, ...; Airbyte's platform keys). Names only: values may be secret.
   */
  ignored: string[];
}

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
  for (const [key, value] of Object.entries(raw)) {
    if (options.extraKeys?.includes(key)) extras[key] = value;
    else settings[key] = value;
  }
  const ignored = unknownSettingKeys(settings);
  for (const key of ignored) delete settings[key];
  const config = resolveConfig({
    env: options.env ?? process.env,
    flags: settings,
    requireToken: options.requireToken ?? true,
  });
  return { config, extras, ignored };
}
