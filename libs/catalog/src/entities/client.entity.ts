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
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
