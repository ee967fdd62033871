import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A machine being backed up. Its snapshots live in the store under snapshots/<id>/. */
@Entity('clients')
export class Client {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'citext', unique: true }) name!: string;
  @Column({ type: 'text' }) hostname!: string;
  @Column({ type: 'text', default: '' }) description!: string;
  @Column({ type: 'text', default: 'default' }) site!: string;
  @Column({ type: 'boolean', default: true }) enabled!: boolean;
  /** Alert when no good backup for this many days; null: the global limit of the alert settings. */
  @Column({ name: 'not_backed_up_days', type: 'int', nullable: true }) notBackedUpDays!: number | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
