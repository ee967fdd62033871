import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import { Client } from './client.entity.js';

/** A source to back up: an SMB share (smb://host/share/path) or a mounted directory (file:///path). */
@Entity('shares')
@Unique('uq_shares_client_name', ['clientId', 'name'])
export class Share {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'client_id', type: 'uuid' }) clientId!: string;
  @ManyToOne(() => Client, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'client_id' }) client?: Client;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) url!: string;
  @Column({ type: 'text', default: '' }) username!: string;
  @Column({ type: 'text', default: '' }) domain!: string;
  /** AES-256-GCM sealed with SECRET_KEY (see SecretBox); never leaves the catalog layer unsealed except to the copy worker. */
  @Column({ name: 'password_sealed', type: 'text', nullable: true }) passwordSealed!: string | null;
  @Column({ type: 'jsonb', default: () => "'[]'" }) excludes!: string[];
  /** Name of a pre-backup hook declared in the client's agent configuration ('' none). */
  @Column({ name: 'pre_hook', type: 'text', default: '' }) preHook!: string;
  /** Name of a post-backup hook declared in the client's agent configuration ('' none). */
  @Column({ name: 'post_hook', type: 'text', default: '' }) postHook!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
