import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { Config } from '../../config/config.ts';

/**
 * The secret that signs session cookies. Production must configure one
 * (the configuration refuses to start otherwise); in development OMAUM keeps
 * a random one in the data folder so that every process on the machine, and
 * every restart, accepts the same cookies.
 */
export function resolveSessionSecret(config: Config): string {
  if (config.sessionSecret !== '') return config.sessionSecret;

  const file = path.join(config.dataDir, 'session-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return fs.readFileSync(file, 'utf8').trim();
    throw error;
  }
}
