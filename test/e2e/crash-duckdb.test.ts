import { duckdbDestination } from '../helpers/destinations.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { describeCrashSafety } from './crash-harness.js';

const dir = scratchDir('crash');
describeCrashSafety('duckdb', (name) => duckdbDestination(dir, name));
