import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Client } from './client.entity.js';

export type RestoreState = 'queued' | 'running' | 'succeeded' | 'failed';

@Entity('restores')
export class Restore {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'client_id', type: 'uuid' }) clientId!: string;
  @ManyToOne(() => Client, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'client_id' }) client?: Client;
  @Column({ type: 'int' }) seq!: number;
  /** Paths inside the snapshot to restore; empty means the whole snapshot. */
  @Column({ type: 'jsonb', default: () => "'[]'" }) paths!: string[];
  /** Where to write: a share id of the client (back in place or to a sub-folder). */
  @Column({ name: 'target_share_id', type: 'uuid', nullable: true }) targetShareId!: string | null;
  @Column({ name: 'target_path', type: 'text', default: '' }) targetPath!: string;
  @Column({ type: 'boolean', default: false }) overwrite!: boolean;
  @Column({ type: 'text', default: 'queued' }) state!: RestoreState;
  @Column({ name: 'files_done', type: 'int', default: 0 }) filesDone!: number;
  @Column({ name: 'bytes_done', type: 'bigint', default: 0 }) bytesDone!: string;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ name: 'requested_by', type: 'uuid', nullable: true }) requestedBy!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
}
