import { createHash } from 'node:crypto';
import { isLinuxSafeName } from '@backtrac/store';

const ESCAPED_PREFIX = '~BT~';

/**
 * Whether an extractor would take a name component for something other than one plain name: "..",
 * a separator (zip tools turn "\" into "/"), or a drive ("C:" at the start of a member name).
 */
function isArchiveSafe(name: string, first: boolean): boolean {
  return isLinuxSafeName(name) && !name.includes('\\') && !(first && /^\w+:/.test(name)) && !name.startsWith(ESCAPED_PREFIX);
}

/** A deterministic stand-in for a component no archive member may carry as it is. */
function escapeComponent(name: string): string {
  const digest = createHash('sha256').update(Buffer.from(name, 'utf16le')).digest('hex').slice(0, 32);
  const hint = [...name.toWellFormed()].map((ch) => (ch === '/' || ch === '\\' || ch === ':' || ch < ' ' || ch === '\x7f' ? '_' : ch)).join('');
  let out = `${ESCAPED_PREFIX}${digest}~`;
  for (const ch of hint) {
    if (Buffer.byteLength(out + ch) > 255) break;
    out += ch;
  }
  return out;
}

/** The member name of an entry in an archive: its components, each one safe to extract anywhere. */
export function archiveMemberName(segments: readonly string[]): string {
  return segments.map((segment, i) => (isArchiveSafe(segment, i === 0) ? segment : escapeComponent(segment))).join('/');
}

/**
 * What goes into an archive of some paths of a snapshot: members are named relative to the
 * deepest folder holding every selected path, so one selected folder keeps its own name and
 * selections from different folders never collide. A path below another selected one adds nothing.
 */
export class ArchiveSelection {
  private readonly keys: Set<string>;
  readonly base: number;

  constructor(selected: readonly (readonly string[])[]) {
    const unique = [...new Map(selected.map((s) => [s.join('\0'), s])).values()];
    this.keys = new Set(unique.map((s) => s.join('\0')));
    if (unique.length === 0) {
      this.base = 0;
      return;
    }
    let common = unique[0]!.length - 1;
    for (const segments of unique) {
      common = Math.min(common, segments.length - 1);
      for (let i = 0; i < common; i++) if (segments[i] !== unique[0]![i]) common = i;
    }
    this.base = common;
  }

  /** The member name of an entry, or null when the entry is outside every selected path. */
  memberName(segments: readonly string[]): string | null {
    if (this.keys.size > 0 && !this.covers(segments)) return null;
    return archiveMemberName(segments.slice(this.base));
  }

  private covers(segments: readonly string[]): boolean {
    let key = '';
    for (let i = 0; i < segments.length; i++) {
      key = i === 0 ? segments[0]! : `${key}\0${segments[i]!}`;
      if (this.keys.has(key)) return true;
    }
    return false;
  }
}
