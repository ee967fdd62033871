import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Client } from './client.entity.js';
import { Share } from './share.entity.js';

export type RestoreState = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled';
export type RestorePolicy = 'overwrite' | 'skip-existing' | 'if-different' | 'rename';

export const RESTORE_STATES: readonly RestoreState[] = ['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled'];
export const RESTORE_POLICIES: readonly RestorePolicy[] = ['overwrite', 'skip-existing', 'if-different', 'rename'];
/** States in which a restore still holds its snapshot against prune. */
export const ACTIVE_RESTORE_STATES: readonly RestoreState[] = ['queued', 'running'];

/** One restore job: what (a snapshot of a client, some paths of it), where, how, and how it went. */
@Entity('restores')
@Index('ix_restores_client_created', ['clientId', 'createdAt'])
export class Restore {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** The client whose snapshot is restored. */
  @Column({ name: 'client_id', type: 'uuid' }) clientId!: string;
  @ManyToOne(() => Client, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'client_id' }) client?: Client;
  @Column({ type: 'int' }) seq!: number;
  /** The "as of" time the request named, when the snapshot was chosen by time. */
  @Column({ name: 'as_of', type: 'timestamptz', nullable: true }) asOf!: Date | null;
  /** Client paths inside the snapshot to restore; empty means the whole snapshot. */
  @Column({ type: 'jsonb', default: () => "'[]'" }) paths!: string[];
  /** Destination; all three null: back to the original shares and paths. */
  @Column({ name: 'target_client_id', type: 'uuid', nullable: true }) targetClientId!: string | null;
  @ManyToOne(() => Client, { onDelete: 'SET NULL' }) @JoinColumn({ name: 'target_client_id', foreignKeyConstraintName: 'FK_restores_target_client' }) targetClient?: Client | null;
  @Column({ name: 'target_share_id', type: 'uuid', nullable: true }) targetShareId!: string | null;
  @ManyToOne(() => Share, { onDelete: 'SET NULL' }) @JoinColumn({ name: 'target_share_id', foreignKeyConstraintName: 'FK_restores_target_share' }) targetShare?: Share | null;
  /** Folder inside the destination share ('' for its root). */
  @Column({ name: 'target_path', type: 'text', default: '' }) targetPath!: string;
  @Column({ type: 'text', default: 'overwrite' }) policy!: RestorePolicy;
  @Column({ type: 'boolean', default: false }) mirror!: boolean;
  @Column({ name: 'verify_read_back', type: 'boolean', default: false }) verifyReadBack!: boolean;
  @Column({ type: 'text', default: 'queued' }) state!: RestoreState;
  @Column({ type: 'int', default: 0 }) restored!: number;
  @Column({ type: 'int', default: 0 }) skipped!: number;
  @Column({ type: 'int', default: 0 }) renamed!: number;
  @Column({ type: 'int', default: 0 }) failed!: number;
  @Column({ type: 'int', default: 0 }) removed!: number;
  @Column({ type: 'bigint', default: 0 }) bytes!: string;
  @Column({ name: 'files_total', type: 'int', nullable: true }) filesTotal!: number | null;
  @Column({ name: 'bytes_total', type: 'bigint', nullable: true }) bytesTotal!: string | null;
  @Column({ type: 'int', default: 0 }) attempts!: number;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  /** Who asked: `user:<id>` or `system`. */
  @Column({ name: 'requested_by', type: 'text', nullable: true }) requestedBy!: string | null;
  @Column({ name: 'cancel_requested_at', type: 'timestamptz', nullable: true }) cancelRequestedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
}
