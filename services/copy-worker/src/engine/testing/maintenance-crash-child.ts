// Store maintenance in a child process that kills itself with SIGKILL, for crash tests.
// argv: <store> <gc|delete> <client> <seq> <point> <nth>
//   point: 'folder-trashed' (gc moved that many shared folders to trash) or 'trash-emptying' (the
//   kill lands while that trash item is being removed, in the middle of its rm -r).
import { gc, HardlinkStore, type FaultPoint } from '@backtrac/store';

const [storeDir, op, client, seqArg, point, nthArg] = process.argv.slice(2) as [string, string, string, string, string, string];
let hits = 0;
const store = await HardlinkStore.open(storeDir, {
  faultHook: (p: FaultPoint) => {
    if (p !== point || ++hits !== Number(nthArg)) return;
    // Queued behind the removal that starts next, so the process dies while it is under way.
    if (p === 'trash-emptying') setImmediate(() => process.kill(process.pid, 'SIGKILL'));
    else process.kill(process.pid, 'SIGKILL');
  },
});
if (op === 'delete') await store.deleteSnapshot(client, Number(seqArg));
const report = await gc(store);
process.stdout.write(JSON.stringify(report) + '\n');
