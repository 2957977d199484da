#!/usr/bin/env node
import { Command } from 'commander';

const program = new Command('cio-sync')
  .description('Replicate a Customer.io workspace into DuckDB, PostgreSQL, Singer or Airbyte')
  .showHelpAfterError();

await program.parseAsync(process.argv);
