import { readRunHistory } from '../../src/destinations/registry.js';
import { createClientFor } from '../../src/engine/client-factory.js';
import { planSync, type SyncPlan } from '../../src/engine/plan.js';
import type { Config } from '../../src/index.js';
import type { StreamName } from '../../src/streams/definitions.js';

/**
 * What `cio-sync plan` says the next sync of `names` into the configured destination will ask, from
 * the destination's saved state and run history, at 10 requests/s. `probe`: let it ask the API for
 * what the history does not tell (a first page, the people count).
 */
export async function planFromDestination(
  config: Config,
  names: readonly StreamName[],
  probe = true,
): Promise<SyncPlan> {
  const history = await readRunHistory(config.destination);
  const client = probe ? createClientFor(config, () => {}) : undefined;
  try {
    return await planSync({
      names,
      state: history?.state ?? { bookmarks: {} },
      history: history?.runs ?? [],
      policy: { fullRefreshDays: config.full_refresh_days, settings: config },
      fullRefresh: false,
      requestsPerSecond: 10,
      ...(client ? { client } : {}),
      now: new Date(),
    });
  } finally {
    await client?.close();
  }
}
