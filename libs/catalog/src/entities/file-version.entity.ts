import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type EntryType = 'file' | 'dir' | 'symlink';

/**
 * One row per (client, path, content), interval-encoded: present in snapshots
 * firstSeq <= seq < lastSeq (lastSeq null while still present). A backup where nothing changed
 * adds no rows, so the catalog grows with change, not with the number of snapshots.
 */
@Entity('file_versions')
@Index('ix_file_versions_dir', ['clientId', 'parent', 'name', 'firstSeq'])
// GIN over client_id + name trigrams (for find), created by its migration: TypeORM cannot declare an operator class.
@Index('ix_file_versions_name_trgm', { synchronize: false })
@Index('ix_file_versions_open', ['clientId', 'parent', 'name'], { where: 'last_seq IS NULL', unique: true })
export class FileVersion {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column({ name: 'client_id', type: 'uuid' }) clientId!: string;
  /** The directory path relative to the snapshot root, "" for the root, "/"-separated, no leading slash. */
  @Column({ type: 'text' }) parent!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) type!: EntryType;
  @Column({ type: 'bigint', default: 0 }) size!: string;
  @Column({ type: 'timestamptz' }) mtime!: Date;
  @Column({ type: 'int', default: 0 }) mode!: number;
  /** Hex SHA-256 of the content for files; null for directories and symlinks. */
  @Column({ type: 'text', nullable: true }) sha256!: string | null;
  @Column({ name: 'link_target', type: 'text', nullable: true }) linkTarget!: string | null;
  @Column({ name: 'first_seq', type: 'int' }) firstSeq!: number;
  @Column({ name: 'last_seq', type: 'int', nullable: true }) lastSeq!: number | null;
}
