import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';
import { isUnderFileShareRoot, parseFileShareRoots } from './file-share-roots.js';

const good = { DATABASE_URL: 'postgres://backtrac:pw@127.0.0.1:5432/backtrac', SECRET_KEY: 'a'.repeat(64) };

describe('FILE_SHARE_ROOTS', () => {
  it('is empty by default: no file:// share is allowed anywhere', () => {
    expect(loadConfig('api', good).fileShareRoots).toEqual([]);
    expect(isUnderFileShareRoot('/srv/data', [])).toBe(false);
  });

  it('parses a comma-separated list of absolute paths', () => {
    expect(parseFileShareRoots(' /srv/nfs/ , /mnt/fileserver,')).toEqual({ roots: ['/srv/nfs', '/mnt/fileserver'], problems: [] });
    expect(loadConfig('api', { ...good, FILE_SHARE_ROOTS: '/srv/nfs' }).fileShareRoots).toEqual(['/srv/nfs']);
  });

  it('refuses relative paths and "/", naming the variable', () => {
    try {
      loadConfig('api', { ...good, FILE_SHARE_ROOTS: 'srv,/' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        'FILE_SHARE_ROOTS entry "srv" must be an absolute path',
        'FILE_SHARE_ROOTS may not be "/" (that would expose the whole server, its secrets included)',
      ]);
    }
  });

  it('accepts a root and what is inside it, nothing beside or above it', () => {
    const roots = ['/srv/nfs'];
    expect(isUnderFileShareRoot('/srv/nfs', roots)).toBe(true);
    expect(isUnderFileShareRoot('/srv/nfs/alice/docs', roots)).toBe(true);
    expect(isUnderFileShareRoot('/srv/nfs/../../etc', roots)).toBe(false);
    expect(isUnderFileShareRoot('/srv/nfs-other', roots)).toBe(false);
    expect(isUnderFileShareRoot('/srv', roots)).toBe(false);
    expect(isUnderFileShareRoot('/var/lib/backtrac/store', roots)).toBe(false);
  });
});
