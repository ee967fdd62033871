import { describe, expect, it } from 'vitest';
import { ntStatusName } from './status.js';
import { joinPath, parseSmbUrl, toSmbPath } from './url.js';

describe('parseSmbUrl', () => {
  it('parses user, domain, port, share and path', () => {
    expect(parseSmbUrl('smb://CORP;alice@files.example:4455/backup/home/alice')).toEqual({
      host: 'files.example',
      port: 4455,
      share: 'backup',
      path: 'home/alice',
      username: 'alice',
      password: undefined,
      domain: 'CORP',
    });
    expect(parseSmbUrl('smb://bob@10.0.0.1/data')).toMatchObject({ port: 445, share: 'data', path: '', username: 'bob' });
    expect(parseSmbUrl('smb://u@h/sh%20are/a%20b/%E6%BC%A2')).toMatchObject({ share: 'sh are', path: 'a b/漢' });
  });

  it('rejects URLs that are not smb:// or have no share', () => {
    expect(() => parseSmbUrl('http://h/share')).toThrow(/smb:\/\//);
    expect(() => parseSmbUrl('smb://h')).toThrow(/share/);
    expect(() => parseSmbUrl('not a url')).toThrow(/invalid/);
  });
});

describe('paths', () => {
  it('converts to backslashes, drops empty and dot segments, refuses ..', () => {
    expect(toSmbPath('/a//b/./c/')).toBe('a\\b\\c');
    expect(toSmbPath('')).toBe('');
    expect(() => toSmbPath('a/../b')).toThrow(/\.\./);
    expect(joinPath('base/', '/x')).toBe('base/x');
    expect(joinPath('', 'x')).toBe('x');
  });

  it('names NT statuses', () => {
    expect(ntStatusName(0xc000006d)).toBe('STATUS_LOGON_FAILURE');
    expect(ntStatusName(0xc0001234)).toBe('0xC0001234');
  });
});
