import { Agent } from './agent.entity.js';
import { AlertSettingsRecord } from './alert-settings.entity.js';
import { AuditLogEntry } from './audit-log-entry.entity.js';
import { BackupRun } from './backup-run.entity.js';
import { ChangeJournalEntry } from './change-journal-entry.entity.js';
import { Client } from './client.entity.js';
import { EnrolmentToken } from './enrolment-token.entity.js';
import { FileVersion } from './file-version.entity.js';
import { Restore } from './restore.entity.js';
import { RestoreLogLine } from './restore-log-line.entity.js';
import { RetentionPolicy } from './retention-policy.entity.js';
import { RunLogLine } from './run-log-line.entity.js';
import { Schedule } from './schedule.entity.js';
import { Session } from './session.entity.js';
import { Share } from './share.entity.js';
import { Snapshot } from './snapshot.entity.js';
import { User } from './user.entity.js';

export * from './agent.entity.js';
export * from './alert-settings.entity.js';
export * from './audit-log-entry.entity.js';
export * from './backup-run.entity.js';
export * from './change-journal-entry.entity.js';
export * from './client.entity.js';
export * from './enrolment-token.entity.js';
export * from './file-version.entity.js';
export * from './restore.entity.js';
export * from './restore-log-line.entity.js';
export * from './retention-policy.entity.js';
export * from './run-log-line.entity.js';
export * from './schedule.entity.js';
export * from './session.entity.js';
export * from './share.entity.js';
export * from './snapshot.entity.js';
export * from './user.entity.js';

export const catalogEntities = [
  User, Session, Client, Share, Agent, EnrolmentToken, ChangeJournalEntry, RetentionPolicy, Schedule,
  BackupRun, Snapshot, RunLogLine, FileVersion, Restore, RestoreLogLine, AuditLogEntry, AlertSettingsRecord,
];
