import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Who did what: logins, changes to policy, agent auth failures, deletions. Never holds secrets. */
@Entity('audit_log')
@Index('ix_audit_log_at', ['at'])
export class AuditLogEntry {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) at!: Date;
  /** "user:<id>", "agent:<id>", "system" or "anonymous". */
  @Column({ type: 'text' }) actor!: string;
  @Column({ type: 'text' }) action!: string;
  @Column({ type: 'text', nullable: true }) target!: string | null;
  @Column({ type: 'jsonb', default: () => "'{}'" }) details!: Record<string, unknown>;
  @Column({ type: 'text', nullable: true }) address!: string | null;
}
