import { SnapshotDto as Snapshot } from '../api/models/snapshot-dto';
import { RestoreChoices, folderPath, missingChoice, restoreAmount, restoreRequest, snapshotAsOf } from './restore-request';

const snapshot = (seq: number, completedAt: string, partial = false): Snapshot => ({
  seq, completedAt, createdAt: completedAt, partial, fileCount: seq * 10, totalBytes: seq * 1000, kind: 'incremental', pinned: false, runId: null,
});
const choices = (over: Partial<RestoreChoices> = {}): RestoreChoices => ({
  clientId: 'c1', snapshot: { seq: 1 }, paths: [], destination: { kind: 'original' }, policy: 'overwrite', mirror: false, verifyReadBack: false, ...over,
});

describe('restore request', () => {
  it('resolves "as of" to the newest complete snapshot finished at or before that moment', () => {
    const list = [snapshot(3, '2026-03-01T00:00:00Z', true), snapshot(2, '2026-02-01T00:00:00Z'), snapshot(1, '2026-01-01T00:00:00Z')];
    expect(snapshotAsOf(list, new Date('2026-03-05T00:00:00Z'))?.seq).toBe(2);
    expect(snapshotAsOf(list, new Date('2026-02-01T00:00:00Z'))?.seq).toBe(2);
    expect(snapshotAsOf(list, new Date('2026-01-31T23:59:59Z'))?.seq).toBe(1);
    expect(snapshotAsOf(list, new Date('2025-12-31T00:00:00Z'))).toBeNull();
  });

  it('sends nothing for the original place and only what was chosen', () => {
    expect(restoreRequest(choices(), false)).toEqual({ clientId: 'c1', seq: 1, policy: 'overwrite' });
    expect(restoreRequest(choices({ snapshot: { asOf: '2026-01-02T03:04:05.000Z' }, paths: ['docs/a'], policy: 'rename', verifyReadBack: true }), false)).toEqual({
      clientId: 'c1', asOf: '2026-01-02T03:04:05.000Z', paths: ['docs/a'], policy: 'rename', verifyReadBack: true,
    });
  });

  it('sends a folder of the same client or of another one as a destination, cleaned of stray slashes', () => {
    expect(restoreRequest(choices({ destination: { kind: 'original-folder', shareId: 's1', path: '/restored//2026/' } }), false).destination).toEqual({
      clientId: 'c1', shareId: 's1', path: 'restored/2026',
    });
    expect(restoreRequest(choices({ destination: { kind: 'other', clientId: 'c2', shareId: 's2', path: '' } }), false).destination).toEqual({ clientId: 'c2', shareId: 's2', path: '' });
    expect(folderPath('a\\b/ c')).toBe('a/b/ c');
  });

  it('confirms mirror only when the person did', () => {
    expect(restoreRequest(choices({ mirror: true }), false)).toMatchObject({ mirror: true, confirmMirror: false });
    expect(restoreRequest(choices({ mirror: true }), true)).toMatchObject({ mirror: true, confirmMirror: true });
    expect(restoreRequest(choices(), true)).not.toHaveProperty('confirmMirror');
  });

  it('says what is still missing', () => {
    expect(missingChoice(choices())).toBeNull();
    expect(missingChoice(choices({ destination: { kind: 'original-folder', shareId: null, path: 'x' } }))).toBe('Pick the share to restore into');
    expect(missingChoice(choices({ destination: { kind: 'original-folder', shareId: 's1', path: '//' } }))).toBe('Name the folder to restore under');
    expect(missingChoice(choices({ destination: { kind: 'other', clientId: null, shareId: null, path: '' } }))).toBe('Pick the client to restore to');
    expect(missingChoice(choices({ destination: { kind: 'other', clientId: 'c2', shareId: 's2', path: '' } }))).toBeNull();
  });

  it('sums the snapshot for a whole-snapshot restore and the picked entries otherwise', () => {
    const s = snapshot(4, '2026-01-01T00:00:00Z');
    expect(restoreAmount(s, { files: 0, bytes: 0, folders: 0 }, true)).toEqual({ whole: true, files: 40, bytes: 4000, folders: 0 });
    expect(restoreAmount(s, { files: 2, bytes: 10, folders: 1 }, false)).toEqual({ whole: false, files: 2, bytes: 10, folders: 1 });
  });
});
