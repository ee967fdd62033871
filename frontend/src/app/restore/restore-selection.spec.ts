import { RestoreSelection } from './restore-selection';

describe('RestoreSelection', () => {
  it('counts picked files and their bytes, and folders apart (their contents are not known here)', () => {
    const selection = new RestoreSelection();
    selection.toggle({ path: 'docs/a.txt', type: 'file', size: 100 });
    selection.toggle({ path: 'docs/b.bin', type: 'file', size: 2048 });
    selection.toggle({ path: 'docs/link', type: 'symlink', size: 0 });
    selection.toggle({ path: 'photos', type: 'dir', size: 0 });
    expect(selection.totals()).toEqual({ files: 3, bytes: 2148, folders: 1 });
    expect(selection.paths()).toEqual(['docs/a.txt', 'docs/b.bin', 'docs/link', 'photos']);
    selection.toggle({ path: 'docs/a.txt', type: 'file', size: 100 });
    expect(selection.totals()).toEqual({ files: 2, bytes: 2048, folders: 1 });
  });

  it('lets a picked folder stand for what is inside it', () => {
    const selection = new RestoreSelection();
    selection.toggle({ path: 'docs/sub/x.txt', type: 'file', size: 1 });
    selection.toggle({ path: 'docs/subway.txt', type: 'file', size: 1 });
    expect(selection.pickedInside('docs/sub')).toBe(1);
    selection.toggle({ path: 'docs/sub', type: 'dir', size: 0 });
    // The folder replaces the file inside it; a sibling whose name merely starts the same stays.
    expect(selection.paths()).toEqual(['docs/sub', 'docs/subway.txt']);
    expect(selection.coveredBy('docs/sub/x.txt')).toBe('docs/sub');
    expect(selection.coveredBy('docs/subway.txt')).toBeNull();
    // A covered path cannot be toggled on its own.
    selection.toggle({ path: 'docs/sub/y.txt', type: 'file', size: 1 });
    expect(selection.paths()).toEqual(['docs/sub', 'docs/subway.txt']);
  });

  it('keeps only the outermost of the paths it is reset to', () => {
    const selection = new RestoreSelection();
    selection.reset([
      { path: 'docs/sub/x.txt', type: null, size: null },
      { path: 'docs', type: null, size: null },
      { path: 'photos/p.jpg', type: null, size: null },
    ]);
    expect(selection.paths()).toEqual(['docs', 'photos/p.jpg']);
    // Paths from a link have no known type: counted with the folders, sized when the restore starts.
    expect(selection.totals()).toEqual({ files: 0, bytes: 0, folders: 2 });
    selection.reset([]);
    expect(selection.empty()).toBe(true);
  });
});
