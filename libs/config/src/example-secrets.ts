// The placeholders deploy/example.env ships with. They are public, so a service refuses them
// (load-config.spec.ts checks they match the file).
export const EXAMPLE_SECRET_KEY_HEX = '0'.repeat(64);
export const EXAMPLE_ADMIN_PASSWORD = 'change-me-admin-password';
export const EXAMPLE_DATABASE_PASSWORD = 'change-me-db-password';
export const EXAMPLE_REDIS_PASSWORD = 'change-me-redis-password';

/** An all-zero key (the example's, or any other length of zeros) encrypts nothing worth the name. */
export function isExampleSecretKey(key: Buffer): boolean {
  return key.every((byte) => byte === 0);
}
