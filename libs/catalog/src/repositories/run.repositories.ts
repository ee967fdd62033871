import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import type { EntryType } from '../entities/file-version.entity.js';
import { Snapshot } from '../entities/snapshot.entity.js';
import { nameLikePattern } from './name-pattern.js';

@Injectable()
export class SnapshotRepository {
  private readonly repo: Repository<Snapshot>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.repo = dataSource.getRepository(Snapshot);
  }

  /** Snapshots retention has not expired, newest first. */
  listForClient(clientId: string): Promise<Snapshot[]> {
    return this.repo
      .createQueryBuilder('s')
      .where('s.clientId = :clientId AND s.expiredAt IS NULL', { clientId })
      .orderBy('s.seq', 'DESC')
      .getMany();
  }

  find(clientId: string, seq: number): Promise<Snapshot | null> {
    return this.repo.createQueryBuilder('s').where('s.clientId = :clientId AND s.seq = :seq AND s.expiredAt IS NULL', { clientId, seq }).getOne();
  }

  async setPinned(clientId: string, seq: number, pinned: boolean): Promise<Snapshot | null> {
    const result = await this.repo.update({ clientId, seq }, { pinned });
    return (result.affected ?? 0) > 0 ? this.find(clientId, seq) : null;
  }

  /** seq → completion time, for labelling versions; includes expired snapshots. */
  async times(clientId: string): Promise<Pick<Snapshot, 'seq' | 'completedAt' | 'expiredAt'>[]> {
    return this.repo.find({ select: { seq: true, completedAt: true, expiredAt: true }, where: { clientId }, order: { seq: 'ASC' } });
  }
}

export type EntrySort = 'name' | 'size' | 'mtime';

export interface DirectoryQuery {
  clientId: string;
  seq: number;
  /** Directory relative to the snapshot root, "" for the root. */
  parent: string;
  limit: number;
  offset: number;
  sort: EntrySort;
  order: 'asc' | 'desc';
}

export interface BrowseEntry {
  parent: string;
  name: string;
  type: EntryType;
  size: number;
  mtime: Date;
  mode: number;
  sha256: string | null;
  linkTarget: string | null;
  firstSeq: number;
  lastSeq: number | null;
}

export interface FindQuery {
  clientId: string;
  /** A name or a glob (`*`, `?`); see nameLikePattern. Matched case-insensitively. */
  query: string;
  limit: number;
  offset: number;
}

/** One path whose name matched, with every version it had, oldest first. */
export interface FindHit {
  parent: string;
  name: string;
  versions: BrowseEntry[];
}

const SORT_COLUMNS: Record<EntrySort, string> = { name: 'name', size: 'size', mtime: 'mtime' };

/** Rows present in snapshot $2: first_seq <= S AND (last_seq IS NULL OR last_seq > S). */
const PRESENT_IN = `client_id = $1 AND first_seq <= $2 AND (last_seq IS NULL OR last_seq > $2)`;
const ENTRY_COLUMNS = `parent, name, type, size, mtime, mode, sha256, link_target, first_seq, last_seq`;

/** Reads of the interval-encoded file_versions table (writes belong to the copy worker). */
@Injectable()
export class FileVersionRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * One page of a directory as it was in one snapshot, directories first, then by the chosen
   * column (name breaks ties). The (client_id, parent, name, first_seq) index serves the filter.
   */
  async listDirectory(query: DirectoryQuery): Promise<{ entries: BrowseEntry[]; total: number }> {
    const column = SORT_COLUMNS[query.sort];
    const direction = query.order === 'desc' ? 'DESC' : 'ASC';
    const tieBreak = column === 'name' ? '' : `, name ${direction}`;
    const params = [query.clientId, query.seq, query.parent];
    const [rows, counted] = await Promise.all([
      this.dataSource.query(
        `SELECT ${ENTRY_COLUMNS} FROM file_versions
          WHERE ${PRESENT_IN} AND parent = $3
          ORDER BY (type = 'dir') DESC, ${column} ${direction}${tieBreak}
          LIMIT $4 OFFSET $5`,
        [...params, query.limit, query.offset],
      ) as Promise<Record<string, unknown>[]>,
      this.dataSource.query(`SELECT count(*)::int AS total FROM file_versions WHERE ${PRESENT_IN} AND parent = $3`, params) as Promise<{ total: number }[]>,
    ]);
    return { entries: rows.map(toEntry), total: counted[0]?.total ?? 0 };
  }

  /** The version of one path present in one snapshot, or null. */
  async findEntry(clientId: string, seq: number, parent: string, name: string): Promise<BrowseEntry | null> {
    const rows = (await this.dataSource.query(`SELECT ${ENTRY_COLUMNS} FROM file_versions WHERE ${PRESENT_IN} AND parent = $3 AND name = $4 LIMIT 1`, [
      clientId,
      seq,
      parent,
      name,
    ])) as Record<string, unknown>[];
    return rows[0] ? toEntry(rows[0]) : null;
  }

  /** Every version of one path across all snapshots, oldest first. */
  async history(clientId: string, parent: string, name: string): Promise<BrowseEntry[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${ENTRY_COLUMNS} FROM file_versions WHERE client_id = $1 AND parent = $2 AND name = $3 ORDER BY first_seq ASC, id ASC`,
      [clientId, parent, name],
    )) as Record<string, unknown>[];
    return rows.map(toEntry);
  }

  /**
   * Paths of one client whose name matches, across all its snapshots, ordered by path, with their
   * versions. The trigram index on (client_id, name) serves the match.
   */
  async find(query: FindQuery): Promise<{ hits: FindHit[]; total: number }> {
    const params = [query.clientId, nameLikePattern(query.query)];
    const matching = `FROM file_versions WHERE client_id = $1 AND name ILIKE $2 ESCAPE '\\'`;
    const [paths, counted] = await Promise.all([
      this.dataSource.query(`SELECT parent, name ${matching} GROUP BY parent, name ORDER BY parent, name LIMIT $3 OFFSET $4`, [
        ...params,
        query.limit,
        query.offset,
      ]) as Promise<{ parent: string; name: string }[]>,
      this.dataSource.query(`SELECT count(*)::int AS total FROM (SELECT 1 ${matching} GROUP BY parent, name) matched`, params) as Promise<{ total: number }[]>,
    ]);
    if (paths.length === 0) return { hits: [], total: counted[0]?.total ?? 0 };
    const rows = (await this.dataSource.query(
      `SELECT ${ENTRY_COLUMNS} FROM file_versions
        WHERE client_id = $1 AND (parent, name) IN (SELECT * FROM unnest($2::text[], $3::text[]))
        ORDER BY first_seq ASC, id ASC`,
      [query.clientId, paths.map((p) => p.parent), paths.map((p) => p.name)],
    )) as Record<string, unknown>[];
    const byPath = new Map(paths.map((p): [string, FindHit] => [`${p.parent}\0${p.name}`, { parent: p.parent, name: p.name, versions: [] }]));
    for (const row of rows) byPath.get(`${String(row.parent)}\0${String(row.name)}`)?.versions.push(toEntry(row));
    return { hits: [...byPath.values()], total: counted[0]?.total ?? 0 };
  }
}

function toEntry(row: Record<string, unknown>): BrowseEntry {
  return {
    parent: String(row.parent),
    name: String(row.name),
    type: row.type as EntryType,
    size: Number(row.size),
    mtime: new Date(row.mtime as string | Date),
    mode: Number(row.mode),
    sha256: (row.sha256 as string | null) ?? null,
    linkTarget: (row.link_target as string | null) ?? null,
    firstSeq: Number(row.first_seq),
    lastSeq: row.last_seq === null || row.last_seq === undefined ? null : Number(row.last_seq),
  };
}
