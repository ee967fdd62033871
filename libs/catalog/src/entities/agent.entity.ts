import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Client } from './client.entity.js';

export type AgentStatus = 'pending' | 'approved' | 'revoked';

/** The program on a client machine that talks XML-RPC to the agent-gateway. */
@Entity('agents')
export class Agent {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index() @Column({ name: 'client_id', type: 'uuid', nullable: true }) clientId!: string | null;
  @ManyToOne(() => Client, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'client_id' }) client?: Client;
  @Column({ type: 'text' }) hostname!: string;
  @Column({ type: 'text', default: '' }) os!: string;
  @Column({ type: 'text', default: '' }) version!: string;
  @Column({ name: 'callback_url', type: 'text', nullable: true }) callbackUrl!: string | null;
  /** argon2id hash of the agent's own secret; the secret itself is only ever known to the agent. */
  @Column({ name: 'secret_hash', type: 'text' }) secretHash!: string;
  @Column({ type: 'text', default: 'pending' }) status!: AgentStatus;
  @CreateDateColumn({ name: 'enrolled_at', type: 'timestamptz' }) enrolledAt!: Date;
  @Column({ name: 'last_heartbeat_at', type: 'timestamptz', nullable: true }) lastHeartbeatAt!: Date | null;
  @Column({ name: 'last_address', type: 'text', nullable: true }) lastAddress!: string | null;
  /** Identifies one continuous run of the agent's change journal; a new epoch means a gap. */
  @Column({ name: 'journal_epoch', type: 'text', nullable: true }) journalEpoch!: string | null;
}
