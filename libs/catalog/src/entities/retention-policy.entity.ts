import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** How many snapshots to keep: last N, grandfather-father-son counts, and everything younger than D days. */
@Entity('retention_policies')
export class RetentionPolicy {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'citext', unique: true }) name!: string;
  @Column({ name: 'keep_last', type: 'int', default: 0 }) keepLast!: number;
  @Column({ name: 'keep_daily', type: 'int', default: 0 }) keepDaily!: number;
  @Column({ name: 'keep_weekly', type: 'int', default: 0 }) keepWeekly!: number;
  @Column({ name: 'keep_monthly', type: 'int', default: 0 }) keepMonthly!: number;
  @Column({ name: 'keep_yearly', type: 'int', default: 0 }) keepYearly!: number;
  @Column({ name: 'keep_within_days', type: 'int', default: 0 }) keepWithinDays!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
