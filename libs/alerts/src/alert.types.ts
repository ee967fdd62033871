/** Everything someone may need to hear about. One variant per alert type, keyed by `type`. */
export type AlertEvent =
  | RunFailedAlert
  | NotBackedUpAlert
  | AgentOfflineAlert
  | DiskGuardAlert
  | VerifyCorruptionAlert
  | UnusualRunAlert
  | DailyDigestAlert
  | TestAlert;

export type AlertType = AlertEvent['type'];

export const ALERT_TYPES: readonly AlertType[] = [
  'run-failed',
  'not-backed-up',
  'agent-offline',
  'disk-guard',
  'verify-corruption',
  'unusual-run',
  'daily-digest',
  'test',
];

export type AlertSeverity = 'critical' | 'warning' | 'info';

export interface RunFailedAlert {
  type: 'run-failed';
  at: Date;
  clientId: string;
  clientName: string;
  runId: string;
  jobId: string;
  error: string;
  attempts: number;
}

export interface NotBackedUpAlert {
  type: 'not-backed-up';
  at: Date;
  clientId: string;
  clientName: string;
  /** Null: never backed up successfully. */
  lastGoodAt: Date | null;
  thresholdDays: number;
}

export interface AgentOfflineAlert {
  type: 'agent-offline';
  at: Date;
  agentId: string;
  hostname: string;
  clientName: string | null;
  lastHeartbeatAt: Date | null;
  thresholdHours: number;
}

export interface DiskGuardAlert {
  type: 'disk-guard';
  at: Date;
  storePath: string;
  usagePercent: number;
  freeBytes: number;
  freeInodes: number | null;
  reasons: string[];
}

export interface VerifyCorruptionAlert {
  type: 'verify-corruption';
  at: Date;
  /** Pool files whose content no longer matches their name, with the snapshots that use them. */
  damaged: { poolPath: string; expectedSha256: string; actualSha256: string | null; snapshots: string[] }[];
  checkedFiles: number;
}

export interface UnusualRunAlert {
  type: 'unusual-run';
  at: Date;
  clientId: string;
  clientName: string;
  runId: string;
  changedFiles: number;
  previousFiles: number;
  changedShare: number;
  thresholdShare: number;
}

export interface DigestClientLine {
  clientName: string;
  lastGoodAt: Date | null;
  lastState: 'succeeded' | 'partial' | 'failed' | 'never';
}

export interface DailyDigestAlert {
  type: 'daily-digest';
  at: Date;
  /** Local calendar day the digest covers, YYYY-MM-DD. */
  day: string;
  runs: { succeeded: number; partial: number; failed: number };
  bytesStoredNew: number;
  clients: DigestClientLine[];
  store: { usagePercent: number; freeBytes: number } | null;
  /** Alerts raised during the day, by type. */
  alertCounts: Partial<Record<AlertType, number>>;
}

export interface TestAlert {
  type: 'test';
  at: Date;
  requestedBy: string;
}
