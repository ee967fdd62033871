import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Client } from './client.entity.js';
import { RetentionPolicy } from './retention-policy.entity.js';

export interface BlackoutPeriod {
  /** ISO weekdays 1 (Monday) to 7; empty means every day. */
  weekdays: number[];
  start: string;
  end: string;
}

/** When backups run. A null client means the schedule applies to every client without its own. */
@Entity('schedules')
export class Schedule {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'citext', unique: true }) name!: string;
  @Column({ name: 'client_id', type: 'uuid', nullable: true }) clientId!: string | null;
  @ManyToOne(() => Client, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'client_id' }) client?: Client;
  @Column({ type: 'text' }) cron!: string;
  @Column({ type: 'text', default: 'UTC' }) timezone!: string;
  /** "HH:MM" in the schedule's time zone; the window may cross midnight. Null means any time. */
  @Column({ name: 'window_start', type: 'text', nullable: true }) windowStart!: string | null;
  @Column({ name: 'window_end', type: 'text', nullable: true }) windowEnd!: string | null;
  @Column({ type: 'jsonb', default: () => "'[]'" }) blackouts!: BlackoutPeriod[];
  /** A full backup (re-read and re-hash everything) every N days; null means never. */
  @Column({ name: 'full_every_days', type: 'int', nullable: true }) fullEveryDays!: number | null;
  @Column({ name: 'jitter_seconds', type: 'int', default: 0 }) jitterSeconds!: number;
  @Column({ type: 'boolean', default: true }) enabled!: boolean;
  @Column({ name: 'retention_policy_id', type: 'uuid', nullable: true }) retentionPolicyId!: string | null;
  @ManyToOne(() => RetentionPolicy, { onDelete: 'SET NULL' }) @JoinColumn({ name: 'retention_policy_id' }) retentionPolicy?: RetentionPolicy;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
