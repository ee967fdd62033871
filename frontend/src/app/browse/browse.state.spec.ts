import { archiveUrl, downloadUrl } from './browse.state';

describe('archiveUrl', () => {
  it('repeats path once per selected entry and encodes every name', () => {
    expect(archiveUrl('c 1', 3, ['docs/a b.txt', 'docs/100%', 'docs/x&y=z'], 'zip')).toBe(
      '/api/clients/c%201/snapshots/3/archive?format=zip&path=docs%2Fa%20b.txt&path=docs%2F100%25&path=docs%2Fx%26y%3Dz',
    );
  });

  it('asks for the whole snapshot when nothing is selected', () => {
    expect(archiveUrl('c1', 2, [], 'tar.gz')).toBe('/api/clients/c1/snapshots/2/archive?format=tar.gz');
  });
});

describe('downloadUrl', () => {
  it('encodes the path as one query value', () => {
    expect(downloadUrl('c1', 1, 'docs/ü?.txt')).toBe('/api/clients/c1/snapshots/1/download?path=docs%2F%C3%BC%3F.txt');
  });
});
