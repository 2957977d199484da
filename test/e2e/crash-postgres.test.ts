import { postgresDestination } from '../helpers/destinations.js';
import { describeCrashSafety, REPRESENTATIVE_KILLS } from './crash-harness.js';

describeCrashSafety(
  'postgres',
  (name) => postgresDestination(`crash_${name}_${process.pid}`),
  REPRESENTATIVE_KILLS,
);
