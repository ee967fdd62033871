// A backup in a child process that kills itself with SIGKILL at a chosen point, for crash tests.
// argv: <store> <source dir> <client> <point|none> <nth>
//   point: a store FaultPoint (staged, pooled, linked, before-commit, committed) or 'read'
//   (SIGKILL once that many bytes have been read from the source, i.e. in the middle of a file).
import { HardlinkStore, type FaultPoint } from '@backtrac/store';
import { BackupEngine } from '../backup-engine.js';
import { LocalDirectorySource } from '../local-directory.source.js';

const [storeDir, srcDir, client, point, nthArg] = process.argv.slice(2) as [string, string, string, string, string];
const nth = Number(nthArg);
let hits = 0;
const die = (): void => {
  process.kill(process.pid, 'SIGKILL');
};

const store = await HardlinkStore.open(storeDir, {
  create: true,
  faultHook: (p: FaultPoint) => {
    if (p === point && ++hits === nth) die();
  },
});

class KillingSource extends LocalDirectorySource {
  override async createReadStream(path: readonly string[], signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    return this.killing(await super.createReadStream(path, signal));
  }

  private async *killing(inner: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of inner) {
      if (point === 'read' && this.bytesRead >= nth) die();
      yield chunk;
    }
  }
}

const result = await new BackupEngine(store).run(new KillingSource(srcDir), { client, jobId: `job-${process.pid}`, filesInFlight: 4 });
process.stdout.write(JSON.stringify({ seq: result.seq, outcome: result.outcome, counters: result.counters }) + '\n');
