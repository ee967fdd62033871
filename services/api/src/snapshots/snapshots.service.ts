import { BadRequestException, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { AuditLogRepository, type BrowseEntry, ClientRepository, type EntrySort, FileVersionRepository, type Snapshot, SnapshotRepository } from '@backtrac/catalog';
import { entrySegments } from '@backtrac/store';
import type { Readable } from 'node:stream';
import { ArchiveSelection } from './archive-names.js';
import { type ArchiveFormat, type ArchiveMember, writeArchive } from './archive-writer.js';
import { parseBrowsePath, splitParent } from './browse-path.js';
import { type StoredFile, StoreReaderRepository, StoreUnavailableError } from './store-reader.repository.js';

/** Set-uid and set-gid bits are not handed out in archives (the manifest keeps them). */
const ARCHIVE_MODE_MASK = 0o1777;

export interface EntryPage {
  path: string;
  entries: BrowseEntry[];
  total: number;
}

export interface VersionView extends BrowseEntry {
  firstSeenAt: Date | null;
  goneAt: Date | null;
  downloadSeq: number | null;
}

export interface FoundVersion extends BrowseEntry {
  downloadSeq: number | null;
}

export interface FindView {
  hits: { path: string; name: string; versions: FoundVersion[] }[];
  total: number;
}

export interface HistoryView {
  path: string;
  versions: VersionView[];
  snapshots: { seq: number; completedAt: Date; expired: boolean }[];
}

/** Snapshots, directory listings, version history and downloads, all read from the catalog first. */
@Injectable()
export class SnapshotsService {
  constructor(
    private readonly clients: ClientRepository,
    private readonly snapshots: SnapshotRepository,
    private readonly versions: FileVersionRepository,
    private readonly store: StoreReaderRepository,
    private readonly audit: AuditLogRepository,
  ) {}

  async list(clientId: string): Promise<Snapshot[]> {
    await this.requireClient(clientId);
    return this.snapshots.listForClient(clientId);
  }

  async setPinned(actor: string, clientId: string, seq: number, pinned: boolean): Promise<Snapshot> {
    await this.requireClient(clientId);
    const snapshot = await this.snapshots.setPinned(clientId, seq, pinned);
    if (!snapshot) throw this.noSnapshot(seq);
    await this.audit.record({ actor, action: pinned ? 'snapshot.pinned' : 'snapshot.unpinned', target: `client:${clientId}`, details: { seq } });
    return snapshot;
  }

  async entries(clientId: string, seq: number, rawPath: unknown, page: { limit: number; offset: number; sort: EntrySort; order: 'asc' | 'desc' }): Promise<EntryPage> {
    const segments = parseBrowsePath(rawPath, { allowRoot: true });
    await this.requireSnapshot(clientId, seq);
    const path = segments.join('/');
    if (segments.length > 0) {
      const { parent, name } = splitParent(segments);
      const dir = await this.versions.findEntry(clientId, seq, parent, name);
      if (!dir) throw new NotFoundException(`No directory ${path} in snapshot ${seq}`);
      if (dir.type !== 'dir') throw new BadRequestException(`${path} is a ${dir.type === 'file' ? 'file' : 'symbolic link'}, not a directory`);
    }
    const listing = await this.versions.listDirectory({ clientId, seq, parent: path, ...page });
    return { path, ...listing };
  }

  async history(clientId: string, rawPath: unknown): Promise<HistoryView> {
    const segments = parseBrowsePath(rawPath, { allowRoot: false });
    await this.requireClient(clientId);
    const { parent, name } = splitParent(segments);
    const [rows, times] = await Promise.all([this.versions.history(clientId, parent, name), this.snapshots.times(clientId)]);
    const path = segments.join('/');
    if (rows.length === 0) throw new NotFoundException(`No version of ${path} in any snapshot`);
    const completed = new Map(times.map((t) => [t.seq, t.completedAt]));
    const live = times.filter((t) => t.expiredAt === null).map((t) => t.seq);
    const versions = rows.map((row) => ({
      ...row,
      firstSeenAt: completed.get(row.firstSeq) ?? null,
      goneAt: row.lastSeq === null ? null : (completed.get(row.lastSeq) ?? null),
      downloadSeq: newestLiveHolding(live, row),
    }));
    return { path, versions, snapshots: times.map((t) => ({ seq: t.seq, completedAt: t.completedAt, expired: t.expiredAt !== null })) };
  }

  /** Paths whose name matches a name or glob, in any snapshot of the client, with every version. */
  async find(clientId: string, query: string, page: { limit: number; offset: number }): Promise<FindView> {
    await this.requireClient(clientId);
    const [found, times] = await Promise.all([this.versions.find({ clientId, query, ...page }), this.snapshots.times(clientId)]);
    const live = times.filter((t) => t.expiredAt === null).map((t) => t.seq);
    return {
      total: found.total,
      hits: found.hits.map((hit) => ({
        path: hit.parent === '' ? hit.name : `${hit.parent}/${hit.name}`,
        name: hit.name,
        versions: hit.versions.map((version) => ({ ...version, downloadSeq: newestLiveHolding(live, version) })),
      })),
    };
  }

  /** The bytes of one file as it was in one snapshot, with the name to save it under. */
  async download(clientId: string, seq: number, rawPath: unknown): Promise<StoredFile & { name: string; sha256: string | null }> {
    const segments = parseBrowsePath(rawPath, { allowRoot: false });
    await this.requireSnapshot(clientId, seq);
    const { parent, name } = splitParent(segments);
    const path = segments.join('/');
    const entry = await this.versions.findEntry(clientId, seq, parent, name);
    if (!entry) throw new NotFoundException(`No file ${path} in snapshot ${seq}`);
    if (entry.type !== 'file') throw new BadRequestException(`${path} is a ${entry.type === 'dir' ? 'directory' : 'symbolic link'}; only files can be downloaded`);
    const file = await this.store.openFile(clientId, seq, segments, entry.sha256).catch((error: unknown) => {
      if (error instanceof StoreUnavailableError) throw new ServiceUnavailableException(error.message);
      throw error;
    });
    if (!file) throw new NotFoundException(`The store no longer holds ${path} of snapshot ${seq}`);
    return { ...file, name, sha256: entry.sha256 };
  }

  /**
   * A zip or tar of some paths of a snapshot (all of it when none), streamed from the store's
   * manifest and pool. Every selected path is checked against the catalog first, so a wrong one is
   * a 404 before any byte is sent.
   */
  async archive(clientId: string, seq: number, rawPaths: readonly unknown[], format: ArchiveFormat): Promise<{ stream: Readable; fileName: string }> {
    const selected = rawPaths.map((raw) => parseBrowsePath(raw, { allowRoot: false }));
    await this.requireSnapshot(clientId, seq);
    const client = await this.clients.findById(clientId);
    for (const segments of selected) {
      const { parent, name } = splitParent(segments);
      if (!(await this.versions.findEntry(clientId, seq, parent, name))) throw new NotFoundException(`No ${segments.join('/')} in snapshot ${seq}`);
    }
    const selection = new ArchiveSelection(selected);
    const label = selected.length === 1 ? `-${selected[0]!.at(-1)!}` : '';
    return { stream: writeArchive(format, this.archiveMembers(clientId, seq, selection)), fileName: `${client?.name ?? clientId}-${seq}${label}.${format}` };
  }

  private async *archiveMembers(clientId: string, seq: number, selection: ArchiveSelection): AsyncGenerator<ArchiveMember> {
    for await (const entry of this.store.manifest(clientId, seq)) {
      const name = selection.memberName(entrySegments(entry));
      if (name === null) continue;
      const type = entry.type;
      const mode = entry.mode === 0 ? (type === 'directory' ? 0o755 : 0o644) : entry.mode & ARCHIVE_MODE_MASK;
      const member: ArchiveMember = { name, type, mtime: new Date(entry.mtime), mode, size: type === 'file' ? entry.size : 0 };
      if (type === 'symlink') member.linkTarget = entry.target ?? '';
      const sha256 = entry.sha256;
      if (type === 'file' && sha256 !== undefined) member.open = (signal) => this.store.openContent(sha256, entry.size, signal);
      yield member;
    }
  }

  private async requireClient(clientId: string): Promise<void> {
    if (!(await this.clients.findById(clientId))) throw new NotFoundException(`Client ${clientId} does not exist`);
  }

  private async requireSnapshot(clientId: string, seq: number): Promise<Snapshot> {
    await this.requireClient(clientId);
    const snapshot = await this.snapshots.find(clientId, seq);
    if (!snapshot) throw this.noSnapshot(seq);
    return snapshot;
  }

  private noSnapshot(seq: number): NotFoundException {
    return new NotFoundException(`Snapshot ${seq} does not exist`);
  }
}

/** The newest unexpired snapshot (of `live`, ascending) inside a version's interval. */
function newestLiveHolding(live: readonly number[], version: Pick<BrowseEntry, 'firstSeq' | 'lastSeq'>): number | null {
  return live.filter((seq) => seq >= version.firstSeq && (version.lastSeq === null || seq < version.lastSeq)).at(-1) ?? null;
}
