#!/usr/bin/env node
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { SecretBox, SecretRotationRepository } from '@backtrac/catalog';
import { ConfigError, loadConfig } from '@backtrac/config';
import { CopyWorkerModule } from './copy-worker.module.js';
import { MaintenanceService } from './maintenance/maintenance.service.js';

const usage = `usage: backtrac-maintenance <command>   (configured by the same variables as the copy worker)
  rebuild-catalog      catalogue every finished snapshot of STORE_ROOT the catalog lacks (all of them on an empty catalog)
  fsck                 check the store's snapshots and pool
  gc                   empty trash/ and remove unreferenced pool files (waits for running backups)
  verify [FRACTION]    re-hash a share of the pool (default 1 = all) and quarantine corrupt files
  reseal-secrets       re-seal stored passwords and webhook secrets from SECRET_KEY_PREVIOUS to SECRET_KEY`;

const [command, argument] = process.argv.slice(2);
if (!command || !['rebuild-catalog', 'fsck', 'gc', 'verify', 'reseal-secrets'].includes(command)) {
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
  case 'reseal-secrets': {
    if (!config.SECRET_KEY_PREVIOUS) {
      process.stderr.write('backtrac-maintenance: set SECRET_KEY_PREVIOUS to the key the secrets are sealed with now, and SECRET_KEY to the new one\n');
      process.exit(2);
    }
    try {
      report = await new SecretRotationRepository(app.get(DataSource)).reseal(new SecretBox(config.SECRET_KEY_PREVIOUS), new SecretBox(config.SECRET_KEY));
    } catch (error) {
      process.stderr.write(`backtrac-maintenance: nothing was changed: ${error instanceof Error ? error.message : String(error)}\n`);
      await app.close();
      process.exit(1);
    }
    break;
  }
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
await app.close();
process.exit(ok ? 0 : 1);
