import { createHash } from 'node:crypto';

export { backupJobId, parseSlotStamp, slotStamp } from '@backtrac/queue';

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
