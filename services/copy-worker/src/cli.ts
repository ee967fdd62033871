#!/usr/bin/env node
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '@backtrac/config';
import { CopyWorkerModule } from './copy-worker.module.js';
import { MaintenanceService } from './maintenance/maintenance.service.js';

const usage = `usage: backtrac-maintenance <command>   (configured by the same variables as the copy worker)
  rebuild-catalog      catalogue every finished snapshot of STORE_ROOT the catalog lacks (all of them on an empty catalog)
  fsck                 check the store's snapshots and pool
  gc                   empty trash/ and remove unreferenced pool files (waits for running backups)
  verify [FRACTION]    re-hash a share of the pool (default 1 = all) and quarantine corrupt files`;

const [command, argument] = process.argv.slice(2);
if (!command || !['rebuild-catalog', 'fsck', 'gc', 'verify'].includes(command)) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
let config;
try {
  config = loadConfig('cli');
} catch (error) {
  process.stderr.write(`backtrac-maintenance: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(2);
}
const app = await NestFactory.createApplicationContext(CopyWorkerModule.forRoot({ ...config, LOG_LEVEL: 'warn' }, { processJobs: false }), {
  logger: ['error', 'warn'],
  abortOnError: false,
});
const maintenance = app.get(MaintenanceService);
let report: unknown;
let ok = true;
switch (command) {
  case 'rebuild-catalog':
    report = await maintenance.rebuildCatalog();
    break;
  case 'fsck': {
    const fsckReport = await maintenance.fsck();
    ok = fsckReport.ok;
    report = fsckReport;
    break;
  }
  case 'gc':
    report = await maintenance.gc();
    break;
  case 'verify': {
    const fraction = argument === undefined ? 1 : Number(argument);
    if (!(fraction > 0 && fraction <= 1)) {
      process.stderr.write('backtrac-maintenance: FRACTION must be a number in (0, 1]\n');
      process.exit(2);
    }
    const verifyReport = await maintenance.verify(fraction);
    ok = verifyReport.corrupt.length === 0;
    report = verifyReport;
    break;
  }
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
await app.close();
process.exit(ok ? 0 : 1);
