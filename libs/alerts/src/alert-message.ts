import type { AlertEvent, AlertSeverity, AlertType } from './alert.types.js';

export interface AlertContext {
  /** Name of this BackTrac installation, in every subject. */
  serverName: string;
  /** Base URL of the console, for links; omitted when unknown. */
  consoleUrl?: string;
  /** Zone used to print times for people. */
  timeZone: string;
}

export interface AlertMessage {
  type: AlertType;
  severity: AlertSeverity;
  subject: string;
  text: string;
  html: string;
  /** Same key = same condition; used to avoid repeating an alert every tick. */
  dedupeKey: string;
  /** JSON body of the webhook. */
  payload: WebhookPayload;
}

export interface WebhookPayload {
  version: 1;
  type: AlertType;
  severity: AlertSeverity;
  server: string;
  at: string;
  subject: string;
  text: string;
  link: string | null;
  data: Record<string, unknown>;
}

const SEVERITY: Record<AlertType, AlertSeverity> = {
  'run-failed': 'warning',
  'not-backed-up': 'critical',
  'agent-offline': 'warning',
  'disk-guard': 'critical',
  'verify-corruption': 'critical',
  'unusual-run': 'critical',
  'daily-digest': 'info',
  test: 'info',
};

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

export function formatWhen(d: Date | null, timeZone: string): string {
  if (!d) return 'never';
  const s = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(d);
  return s.replace(',', '');
}

function ago(from: Date | null, now: Date): string {
  if (!from) return 'never';
  const h = (now.getTime() - from.getTime()) / 3_600_000;
  return h >= 48 ? `${Math.floor(h / 24)} days ago` : `${Math.floor(h)} hours ago`;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Dates become ISO strings so the payload is plain JSON. */
function jsonData(event: AlertEvent): Record<string, unknown> {
  return JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
}

interface Body {
  subject: string;
  lines: string[];
  path: string | null;
  dedupeKey: string;
}

function body(e: AlertEvent, tz: string): Body {
  switch (e.type) {
    case 'run-failed':
      return {
        subject: `Backup of ${e.clientName} failed`,
        lines: [`The backup of ${e.clientName} failed after ${e.attempts} attempt(s).`, `Error: ${e.error}`, `Job: ${e.jobId}`],
        path: `/runs/${e.runId}`,
        dedupeKey: `run-failed:${e.runId}`,
      };
    case 'not-backed-up':
      return {
        subject: `${e.clientName} not backed up for ${e.thresholdDays}+ days`,
        lines: [
          e.lastGoodAt
            ? `${e.clientName} has had no successful backup since ${formatWhen(e.lastGoodAt, tz)} (${ago(e.lastGoodAt, e.at)}).`
            : `${e.clientName} has never been backed up successfully.`,
          `The limit is ${e.thresholdDays} day(s).`,
        ],
        path: `/clients/${e.clientId}`,
        dedupeKey: `not-backed-up:${e.clientId}`,
      };
    case 'agent-offline':
      return {
        subject: `Agent ${e.hostname} offline for ${e.thresholdHours}+ hours`,
        lines: [
          `The agent on ${e.hostname}${e.clientName ? ` (client ${e.clientName})` : ''} last reported ${formatWhen(e.lastHeartbeatAt, tz)} (${ago(e.lastHeartbeatAt, e.at)}).`,
          `The limit is ${e.thresholdHours} hour(s).`,
        ],
        path: '/agents',
        dedupeKey: `agent-offline:${e.agentId}`,
      };
    case 'disk-guard':
      return {
        subject: `Store almost full: new backups are waiting`,
        lines: [
          `The store at ${e.storePath} is ${e.usagePercent.toFixed(1)} % full, ${formatBytes(e.freeBytes)} free${e.freeInodes === null ? '' : `, ${e.freeInodes} free inodes`}.`,
          `Reason: ${e.reasons.join('; ')}.`,
          'New backups wait until space is freed; nothing already stored is touched.',
        ],
        path: '/store',
        dedupeKey: `disk-guard:${e.storePath}`,
      };
    case 'verify-corruption':
      return {
        subject: `Verify found ${e.damaged.length} damaged file(s) in the store`,
        lines: [
          `Verify checked ${e.checkedFiles} file(s); ${e.damaged.length} no longer match their checksum:`,
          ...e.damaged.slice(0, 50).map((d) => `- ${d.poolPath} (used by ${d.snapshots.length ? d.snapshots.join(', ') : 'no snapshot'})`),
          ...(e.damaged.length > 50 ? [`... and ${e.damaged.length - 50} more`] : []),
        ],
        path: '/store',
        dedupeKey: `verify-corruption:${e.damaged.map((d) => d.poolPath).sort().join(',')}`,
      };
    case 'unusual-run':
      return {
        subject: `Unusual backup of ${e.clientName}: ${pct(e.changedShare)} of files changed`,
        lines: [
          `The backup of ${e.clientName} changed or deleted ${e.changedFiles} of ${e.previousFiles} files (${pct(e.changedShare)}, limit ${pct(e.thresholdShare)}).`,
          'Mass changes can be a sign of ransomware. The snapshots before this run are untouched; consider pinning the previous one.',
        ],
        path: `/runs/${e.runId}`,
        dedupeKey: `unusual-run:${e.runId}`,
      };
    case 'daily-digest': {
      const total = e.runs.succeeded + e.runs.partial + e.runs.failed;
      const alerts = Object.entries(e.alertCounts).filter(([, n]) => (n ?? 0) > 0);
      return {
        subject: `Daily digest ${e.day}: ${e.runs.succeeded}/${total} backups succeeded${e.runs.failed ? `, ${e.runs.failed} failed` : ''}`,
        lines: [
          `Backups: ${e.runs.succeeded} succeeded, ${e.runs.partial} with errors, ${e.runs.failed} failed; ${formatBytes(e.bytesStoredNew)} new data stored.`,
          e.store ? `Store: ${e.store.usagePercent.toFixed(1)} % used, ${formatBytes(e.store.freeBytes)} free.` : 'Store: unknown.',
          alerts.length ? `Alerts: ${alerts.map(([t, n]) => `${t} ${n}`).join(', ')}.` : 'Alerts: none.',
          '',
          'Clients:',
          ...[...e.clients]
            .sort((a, b) => (a.lastGoodAt?.getTime() ?? -Infinity) - (b.lastGoodAt?.getTime() ?? -Infinity))
            .map((c) => `- ${c.clientName}: last good ${formatWhen(c.lastGoodAt, tz)}, last run ${c.lastState}`),
        ],
        path: '/',
        dedupeKey: `daily-digest:${e.day}`,
      };
    }
    case 'test':
      return {
        subject: 'Test alert',
        lines: [`This is a test alert requested by ${e.requestedBy}. If you can read it, alert delivery works.`],
        path: null,
        dedupeKey: `test:${e.at.toISOString()}`,
      };
  }
}

/** Pure: the same event and context always give the same message. */
export function composeAlert(event: AlertEvent, ctx: AlertContext): AlertMessage {
  const b = body(event, ctx.timeZone);
  const severity = SEVERITY[event.type];
  const link = ctx.consoleUrl && b.path ? `${ctx.consoleUrl.replace(/\/+$/, '')}${b.path}` : null;
  const subject = `[BackTrac ${ctx.serverName}]${severity === 'critical' ? ' CRITICAL:' : ''} ${b.subject}`;
  const footer = [`Time: ${formatWhen(event.at, ctx.timeZone)}`, ...(link ? [`Details: ${link}`] : [])];
  const text = [...b.lines, '', ...footer].join('\n') + '\n';
  const html =
    `<!doctype html><html><body style="font-family:sans-serif">` +
    `<h2>${escapeHtml(b.subject)}</h2>` +
    b.lines.map((l) => (l === '' ? '<br>' : `<p>${escapeHtml(l)}</p>`)).join('') +
    `<p style="color:#666">Time: ${escapeHtml(formatWhen(event.at, ctx.timeZone))}` +
    (link ? ` &middot; <a href="${escapeHtml(link)}">Details</a>` : '') +
    `</p></body></html>`;
  return {
    type: event.type,
    severity,
    subject,
    text,
    html,
    dedupeKey: b.dedupeKey,
    payload: { version: 1, type: event.type, severity, server: ctx.serverName, at: event.at.toISOString(), subject, text, link, data: jsonData(event) },
  };
}
