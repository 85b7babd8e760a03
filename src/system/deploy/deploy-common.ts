import fs from 'node:fs';

import type { Config } from '../../config/config.ts';

/** A deploy step that cannot go on; `logTail` is the end of the log that says why. */
export class DeployError extends Error {
  constructor(
    message: string,
    readonly logTail = '',
  ) {
    super(message);
    this.name = 'DeployError';
  }
}

/** Where this host reaches the web processes: loopback when they listen on every address. */
export function localBaseUrl(config: Pick<Config, 'host' | 'port'>): string {
  const anyAddress = ['0.0.0.0', '::', ''].includes(config.host);
  const host = anyAddress ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

export interface Readiness {
  readonly isReady: boolean;
  /** Null when nothing answered. */
  readonly statusCode: number | null;
  readonly message: string;
}

const READY_TIMEOUT_MS = 3000;

/** What `/readyz` answers right now. */
export async function readinessOf(baseUrl: string): Promise<Readiness> {
  try {
    const response = await fetch(`${baseUrl}/readyz`, {
      signal: AbortSignal.timeout(READY_TIMEOUT_MS),
    });
    const body = (await response.json().catch(() => ({}))) as { message?: unknown };
    const isReady = response.status === 200;
    const message = isReady
      ? 'ready'
      : typeof body.message === 'string'
        ? body.message
        : `status ${response.status}`;
    return { isReady, statusCode: response.status, message };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { isReady: false, statusCode: null, message: cause ?? (error as Error).message };
  }
}

/** The last `lines` lines of a log file, or '' when it cannot be read. */
export function tailOf(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
