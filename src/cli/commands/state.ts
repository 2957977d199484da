import type { Command } from 'commander';
import { createLogger } from '../../core/logger.js';
import { accessSavedState } from '../../destinations/registry.js';
import {
  addLogOptions,
  addSettingOptions,
  type ConfigFlags,
  configFromFlags,
  DESTINATION_SETTINGS,
  type LogFlags,
  withDefault,
} from '../options.js';

type StateFlags = ConfigFlags & LogFlags;

/** What a reset did, in words, for stderr (stdout keeps the JSON of what is left). */
export function describeReset(removed: readonly string[], asked: readonly string[] | undefined): string {
  const kept = (asked ?? []).filter((name) => !removed.includes(name));
  const done =
    removed.length === 0
      ? 'No bookmark was reset'
      : `Reset the bookmarks of ${removed.join(', ')}: the next sync reads ${removed.length === 1 ? 'it' : 'them'} as a first sync would`;
  return kept.length > 0 ? `${done} (no bookmark saved for ${kept.join(', ')}).` : `${done}.`;
}

export function registerStateCommand(program: Command): void {
  const state = program.command('state').description('Show or reset the bookmarks saved in the destination');
  for (const sub of ['show', 'reset'] as const) {
    const command = state
      .command(sub)
      .description(
        sub === 'show' ? 'Print the saved state (JSON)' : 'Forget bookmarks so the next sync reloads',
      );
    addLogOptions(addSettingOptions(command, DESTINATION_SETTINGS));
    if (sub === 'reset')
      command.option('--streams <names>', withDefault('only these tables (comma-separated)', 'all'));
    command.action(async (flags: StateFlags) => {
      // Validates --streams as the sync does; only the flag picks what a reset forgets.
      const { destination } = configFromFlags(flags, false);
      const logger = createLogger(flags.logFormat, [], flags.logLevel);
      const streams = flags.streams
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const answer = await accessSavedState(
        destination,
        sub === 'show' ? { kind: 'show' } : { kind: 'reset', ...(streams ? { streams } : {}) },
      );
      process.stdout.write(`${JSON.stringify(answer.state, null, 2)}\n`);
      if (sub === 'reset') logger.info(describeReset(answer.removed, streams));
    });
  }
}
