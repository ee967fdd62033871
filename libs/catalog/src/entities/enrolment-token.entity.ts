import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Client } from './client.entity.js';

/** A one-time token an admin hands to a machine so its agent can enrol. Stored as SHA-256. */
@Entity('enrolment_tokens')
export class EnrolmentToken {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index({ unique: true }) @Column({ name: 'token_hash', type: 'bytea' }) tokenHash!: Buffer;
  @Column({ name: 'client_id', type: 'uuid', nullable: true }) clientId!: string | null;
  @ManyToOne(() => Client, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'client_id' }) client?: Client;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true }) usedAt!: Date | null;
  /** The agent that enrols with it waits, pending, for an admin's approval. */
  @Column({ name: 'requires_approval', type: 'boolean', default: false }) requiresApproval!: boolean;
}
