import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Client } from './client.entity.js';

export type RunState = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled';
export type RunKind = 'full' | 'incremental';
export type RunTrigger = 'schedule' | 'manual' | 'agent';
export type WalkMode = 'walk' | 'journal';

/** One backup of one client: every share of the client goes into one snapshot. */
@Entity('backup_runs')
@Index('ix_backup_runs_client_queued', ['clientId', 'queuedAt'])
export class BackupRun {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'client_id', type: 'uuid' }) clientId!: string;
  @ManyToOne(() => Client, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'client_id' }) client?: Client;
  /** The deterministic BullMQ job id (backup:<client>:<slot>); unique so a run is never recorded twice. */
  @Index({ unique: true }) @Column({ name: 'job_id', type: 'text' }) jobId!: string;
  /** Snapshot sequence this run writes; assigned when the run starts. */
  @Column({ type: 'int', nullable: true }) seq!: number | null;
  @Column({ type: 'text', default: 'incremental' }) kind!: RunKind;
  @Column({ type: 'text', default: 'manual' }) trigger!: RunTrigger;
  @Column({ type: 'text', default: 'queued' }) state!: RunState;
  @Column({ type: 'text', nullable: true }) mode!: WalkMode | null;
  @Column({ name: 'files_new', type: 'int', default: 0 }) filesNew!: number;
  @Column({ name: 'files_changed', type: 'int', default: 0 }) filesChanged!: number;
  @Column({ name: 'files_unchanged', type: 'int', default: 0 }) filesUnchanged!: number;
  @Column({ name: 'files_skipped', type: 'int', default: 0 }) filesSkipped!: number;
  @Column({ name: 'files_deleted', type: 'int', default: 0 }) filesDeleted!: number;
  @Column({ name: 'bytes_read', type: 'bigint', default: 0 }) bytesRead!: string;
  @Column({ name: 'bytes_stored_new', type: 'bigint', default: 0 }) bytesStoredNew!: string;
  @Column({ name: 'bytes_total', type: 'bigint', default: 0 }) bytesTotal!: string;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ type: 'int', default: 0 }) attempts!: number;
  @CreateDateColumn({ name: 'queued_at', type: 'timestamptz' }) queuedAt!: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
}
