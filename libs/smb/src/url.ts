export interface SmbUrl {
  host: string;
  port: number;
  share: string;
  /** Path inside the share, with forward slashes, no leading slash ('' for the share root). */
  path: string;
  username?: string;
  password?: string;
  domain?: string;
}

/** Parse `smb://[domain;]user[:password]@host[:port]/share[/path]`. */
export function parseSmbUrl(url: string): SmbUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid SMB URL: ${url}`);
  }
  if (u.protocol !== 'smb:') throw new Error(`not an smb:// URL: ${url}`);
  const segments = u.pathname.split('/').filter((s) => s.length > 0).map((s) => decodeURIComponent(s));
  const share = segments.shift();
  if (!share) throw new Error(`SMB URL without a share: ${url}`);
  let username = u.username ? decodeURIComponent(u.username) : undefined;
  let domain: string | undefined;
  if (username?.includes(';')) [domain, username] = username.split(';', 2) as [string, string];
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 445,
    share,
    path: segments.join('/'),
    username,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    domain,
  };
}

/** Convert a share-relative path ("a/b/c", "/a/b") to SMB form ("a\\b\\c"), rejecting "..". */
export function toSmbPath(path: string): string {
  const parts = path.split(/[/\\]+/).filter((p) => p.length > 0 && p !== '.');
  if (parts.some((p) => p === '..')) throw new Error(`path must not contain "..": ${path}`);
  return parts.join('\\');
}

export function joinPath(a: string, b: string): string {
  if (!a) return b;
  if (!b) return a;
  return `${a.replace(/\/+$/, '')}/${b.replace(/^\/+/, '')}`;
}
