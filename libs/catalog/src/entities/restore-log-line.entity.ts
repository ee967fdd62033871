import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Restore } from './restore.entity.js';
import type { LogLevel } from './run-log-line.entity.js';

@Entity('restore_log_lines')
@Index('ix_restore_log_lines_restore', ['restoreId', 'id'])
export class RestoreLogLine {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column({ name: 'restore_id', type: 'uuid' }) restoreId!: string;
  @ManyToOne(() => Restore, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'restore_id', foreignKeyConstraintName: 'FK_restore_log_lines_restore' }) restore?: Restore;
  @Column({ type: 'timestamptz', default: () => 'now()' }) at!: Date;
  @Column({ type: 'text' }) level!: LogLevel;
  @Column({ type: 'text' }) message!: string;
  @Column({ type: 'text', nullable: true }) path!: string | null;
}
