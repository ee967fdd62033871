import { XmlRpcFaultResponse, XmlRpcTransportError, type ReportChangesResult } from '@backtrac/xmlrpc';
import { describe, expect, it } from 'vitest';
import { ChangeJournal, type JournalSink } from './change-journal.js';

class Sink implements JournalSink {
  calls: Array<[string, string, string[]]> = [];
  fail: Error | null = null;
  async reportChanges(share: string, cursor: string, paths: string[]): Promise<ReportChangesResult> {
    this.calls.push([share, cursor, [...paths]]);
    if (this.fail) throw this.fail;
    const [epoch, seq] = cursor.split(':');
    return { cursor: `${epoch}:${Number(seq) + 1}`, accepted: paths.length, continuous: true };
  }
}

describe('ChangeJournal', () => {
  it('dedupes paths, batches per share and advances the cursor', async () => {
    const j = new ChangeJournal(1000, () => 1_700_000_000_000);
    j.add('a', 'x');
    j.add('a', 'x');
    j.add('b', 'y');
    const sink = new Sink();
    await j.flush(sink);
    expect(sink.calls.map((c) => [c[0], c[1].split(':')[1], c[2]])).toEqual([
      ['a', '0', ['x']],
      ['b', '1', ['y']],
    ]);
    expect(j.status()).toMatchObject({ pending: 0, gaps: 0 });
    expect(j.status().cursor).toMatch(/^1700000000000-[0-9a-f]{12}:2$/);
  });

  it('retries an unacknowledged batch unchanged, with the same cursor, after a transport error', async () => {
    const j = new ChangeJournal();
    const sink = new Sink();
    j.add('a', 'x');
    sink.fail = new XmlRpcTransportError('down');
    await expect(j.flush(sink)).rejects.toThrow('down');
    j.add('a', 'later');
    sink.fail = null;
    await j.flush(sink);
    expect(sink.calls[1]).toEqual(sink.calls[0]);
    expect(sink.calls[2]?.[2]).toEqual(['later']);
    expect(j.status().gaps).toBe(0);
  });

  it('keeps a batch the gateway rate-limited and sends it again, without a gap', async () => {
    const j = new ChangeJournal();
    const sink = new Sink();
    j.add('a', 'x');
    sink.fail = new XmlRpcFaultResponse(1003, 'more than 120 reportChanges calls in a minute; retry in 30 s', 'RATE_LIMITED');
    await expect(j.flush(sink)).rejects.toThrow(/RATE_LIMITED/);
    sink.fail = null;
    await j.flush(sink);
    expect(sink.calls[1]).toEqual(sink.calls[0]);
    expect(j.status()).toMatchObject({ pending: 0, gaps: 0 });
  });

  it('restart() starts a new epoch without counting a gap', () => {
    let t = 1_700_000_000_000;
    const j = new ChangeJournal(10, () => t);
    j.add('a', 'x');
    t += 5_000;
    j.restart();
    expect(j.status()).toMatchObject({ pending: 0, gaps: 0 });
    expect(j.status().cursor.startsWith(`${t}-`)).toBe(true);
  });

  it('opens a gap (new epoch) when the gateway refuses a batch or too much piles up', async () => {
    const j = new ChangeJournal(3);
    const epoch = j.status().cursor.split(':')[0];
    const sink = new Sink();
    j.add('a', 'x');
    sink.fail = new XmlRpcFaultResponse(1020, 'no such share', 'NOT_FOUND');
    await j.flush(sink);
    expect(j.status()).toMatchObject({ pending: 0, gaps: 1 });
    expect(j.status().cursor.split(':')[0]).not.toBe(epoch);
    for (const p of ['1', '2', '3', '4']) j.add('a', p);
    expect(j.status()).toMatchObject({ pending: 0, gaps: 2 });
  });
});
