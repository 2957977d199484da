import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdbDestination } from '../helpers/destinations.js';
import { describeCrashSafety } from './crash-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'cio-crash-'));
describeCrashSafety('duckdb', (name) => duckdbDestination(dir, name));
