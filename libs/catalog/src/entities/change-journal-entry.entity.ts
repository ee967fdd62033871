import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A path an agent reported as changed; the copy worker reads only these when the journal is continuous. */
@Entity('change_journal_entries')
@Index('ix_change_journal_share_seq', ['shareId', 'id'])
export class ChangeJournalEntry {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column({ name: 'share_id', type: 'uuid' }) shareId!: string;
  @Column({ name: 'agent_id', type: 'uuid' }) agentId!: string;
  @Column({ type: 'text' }) epoch!: string;
  @Column({ type: 'text' }) cursor!: string;
  @Column({ type: 'text' }) path!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
