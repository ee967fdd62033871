import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Client } from './client.entity.js';

/** A finished snapshot in the store (snapshots/<client>/<seq>/). */
@Entity('snapshots')
@Unique('uq_snapshots_client_seq', ['clientId', 'seq'])
export class Snapshot {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'client_id', type: 'uuid' }) clientId!: string;
  @ManyToOne(() => Client, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'client_id' }) client?: Client;
  @Column({ type: 'int' }) seq!: number;
  @Column({ name: 'run_id', type: 'uuid', nullable: true }) runId!: string | null;
  @Column({ type: 'text', default: 'incremental' }) kind!: 'full' | 'incremental';
  /** True when some files could not be read; the snapshot is still complete for what it lists. */
  @Column({ type: 'boolean', default: false }) partial!: boolean;
  @Column({ name: 'file_count', type: 'int', default: 0 }) fileCount!: number;
  @Column({ name: 'total_bytes', type: 'bigint', default: 0 }) totalBytes!: string;
  @Column({ type: 'boolean', default: false }) pinned!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'completed_at', type: 'timestamptz' }) completedAt!: Date;
  /** Set when retention moved the snapshot to trash. */
  @Column({ name: 'expired_at', type: 'timestamptz', nullable: true }) expiredAt!: Date | null;
}
