import { isAbsolute, normalize, sep } from 'node:path';

/**
 * FILE_SHARE_ROOTS: the directories on the backup host under which a file:// share may point,
 * comma-separated. None by default: a file:// share reads the server's own disk, so an admin must
 * say which parts of it are clients' data (e.g. NFS mounts of file servers).
 */
export function parseFileShareRoots(value: string | undefined): { roots: string[]; problems: string[] } {
  const roots: string[] = [];
  const problems: string[] = [];
  for (const raw of (value ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    if (!isAbsolute(raw)) problems.push(`FILE_SHARE_ROOTS entry "${raw}" must be an absolute path`);
    else if (normalize(raw) === sep) problems.push('FILE_SHARE_ROOTS may not be "/" (that would expose the whole server, its secrets included)');
    else roots.push(stripTrailingSeparator(normalize(raw)));
  }
  return { roots, problems };
}

/** Whether `path` (absolute, already resolved) is one of `roots` or inside one. */
export function isUnderFileShareRoot(path: string, roots: readonly string[]): boolean {
  const target = stripTrailingSeparator(normalize(path));
  return roots.some((root) => target === root || target.startsWith(`${root}${sep}`));
}

function stripTrailingSeparator(path: string): string {
  return path.length > 1 && path.endsWith(sep) ? path.slice(0, -1) : path;
}
