import { createHash } from 'node:crypto';

/**
 * ISO 8601 basic format (20260329T010000Z). BullMQ refuses a custom job id with more than two
 * colons, so the extended format (with its colons) cannot go into `backup:<client>:<slot>`.
 */
export function slotStamp(slot: Date): string {
  return slot.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Inverse of slotStamp. */
export function parseSlotStamp(stamp: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!m) throw new RangeError(`invalid slot stamp "${stamp}"`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

/** Deterministic id: a second scheduler, or a second tick, enqueueing the same slot is a no-op. */
export function backupJobId(clientId: string, slot: Date): string {
  if (clientId.includes(':')) throw new RangeError(`client id must not contain ":" (${clientId})`);
  return `backup:${clientId}:${slotStamp(slot)}`;
}

/**
 * Deterministic delay in [0, maxMs) from a hash of client and slot, so a hundred clients on the
 * same cron do not start in the same second, and every scheduler computes the same delay.
 */
export function jitterMs(clientId: string, slot: Date, maxMs: number): number {
  if (!(maxMs > 0)) return 0;
  const digest = createHash('sha256').update(`${clientId}\0${slot.toISOString()}`).digest();
  // 48 bits is plenty of resolution and stays an exact integer in a double.
  const fraction = digest.readUIntBE(0, 6) / 2 ** 48;
  return Math.floor(fraction * maxMs);
}
