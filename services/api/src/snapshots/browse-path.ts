import { BadRequestException } from '@nestjs/common';

export const MAX_BROWSE_PATH = 4096;

/**
 * A path as the catalog spells it: relative to the snapshot root, "/"-separated, top-level
 * directories are share names. Anything that could name a place outside the snapshot, or that no
 * catalog row can have, is refused here so it never reaches a query or the filesystem.
 */
export function parseBrowsePath(raw: unknown, { allowRoot }: { allowRoot: boolean }): string[] {
  if (raw === undefined || raw === '') {
    if (allowRoot) return [];
    throw new BadRequestException('path is required');
  }
  if (typeof raw !== 'string') throw new BadRequestException('path must be given once, as a string');
  if (raw.length > MAX_BROWSE_PATH) throw new BadRequestException(`path must be at most ${MAX_BROWSE_PATH} characters`);
  if (raw.includes('\0')) throw new BadRequestException('path must not contain NUL');
  if (raw.startsWith('/')) throw new BadRequestException('path must be relative to the snapshot root (no leading "/")');
  const segments = raw.split('/');
  if (segments.some((segment) => segment === '')) throw new BadRequestException('path must not contain empty components ("//" or a trailing "/")');
  if (segments.some((segment) => segment === '.' || segment === '..')) throw new BadRequestException('path must not contain "." or ".." components');
  return segments;
}

/** The catalog key of a path: its parent directory and its own name. */
export function splitParent(segments: readonly string[]): { parent: string; name: string } {
  return { parent: segments.slice(0, -1).join('/'), name: segments[segments.length - 1] ?? '' };
}

/** Content-Disposition for a download: ASCII fallback plus the exact name, RFC 5987/6266 encoded. */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_') || 'download';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
