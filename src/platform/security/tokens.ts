import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'omaum_';

/** A new bearer token: shown once to its owner, stored only as its hash. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function looksLikeToken(value: string): boolean {
  return value.startsWith(TOKEN_PREFIX) && value.length > TOKEN_PREFIX.length + 20;
}
