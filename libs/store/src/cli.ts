#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { HardlinkStore } from './hardlink-store.js';
import { fsck, gc, rebuildRecords, verify } from './maintenance.js';
import { restoreSnapshot } from './restore.js';

const USAGE = `usage: backtrac-store <command> --store DIR [options]
  fsck                          check snapshots against the pool; exit 1 when something is wrong
  gc                            empty trash/, remove pool files no snapshot links
  verify [--fraction F] [--offset O]   re-hash pool files, quarantine corrupt ones; exit 1 if any
  rebuild-catalog               print every snapshot and entry as JSON lines
  restore --client C --seq N --dest DIR [--path P]   copy a snapshot, subtree or file out`;

/** Runs one command and returns the process exit code; output goes through `out`. */
export async function runCli(argv: string[], out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      store: { type: 'string' },
      fraction: { type: 'string' },
      offset: { type: 'string' },
      client: { type: 'string' },
      seq: { type: 'string' },
      dest: { type: 'string' },
      path: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined || values.store === undefined) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  const store = await HardlinkStore.open(values.store);
  switch (command) {
    case 'fsck': {
      const report = await fsck(store);
      out(JSON.stringify(report));
      return report.ok ? 0 : 1;
    }
    case 'gc':
      out(JSON.stringify(await gc(store)));
      return 0;
    case 'verify': {
      const report = await verify(store, {
        ...(values.fraction !== undefined ? { fraction: Number(values.fraction) } : {}),
        ...(values.offset !== undefined ? { offset: Number(values.offset) } : {}),
      });
      out(JSON.stringify(report));
      return report.corrupt.length === 0 ? 0 : 1;
    }
    case 'rebuild-catalog':
      for await (const snap of rebuildRecords(store)) {
        out(JSON.stringify({ kind: 'snapshot', client: snap.client, seq: snap.seq, meta: snap.meta }));
        for await (const entry of snap.entries()) out(JSON.stringify({ kind: 'entry', client: snap.client, seq: snap.seq, ...entry }));
      }
      return 0;
    case 'restore': {
      if (values.client === undefined || values.seq === undefined || values.dest === undefined) {
        out(USAGE);
        return 2;
      }
      const report = await restoreSnapshot(store, values.client, Number(values.seq), values.dest, values.path !== undefined ? { path: values.path } : {});
      out(JSON.stringify(report));
      return 0;
    }
    default:
      out(USAGE);
      return 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/backtrac-store')) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`backtrac-store: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
