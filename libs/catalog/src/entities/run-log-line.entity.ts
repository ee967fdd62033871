import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { BackupRun } from './backup-run.entity.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

@Entity('run_log_lines')
@Index('ix_run_log_lines_run', ['runId', 'id'])
export class RunLogLine {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column({ name: 'run_id', type: 'uuid' }) runId!: string;
  @ManyToOne(() => BackupRun, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'run_id' }) run?: BackupRun;
  @Column({ type: 'timestamptz', default: () => 'now()' }) at!: Date;
  @Column({ type: 'text' }) level!: LogLevel;
  @Column({ type: 'text' }) message!: string;
  @Column({ type: 'text', nullable: true }) path!: string | null;
}
