import { postgresDestination } from '../helpers/destinations.js';
import { describeCrashSafety } from './crash-harness.js';

describeCrashSafety('postgres', (name) => postgresDestination(`crash_${name}_${process.pid}`));
