/**
 * Parsers of command-line option values. They run while commander reads the
 * arguments, before any command module is loaded, so this file imports only
 * light modules: `omaum --help` and the cluster primary stay small.
 */
import { InvalidArgumentError } from 'commander';

import { parsePortSetting } from '../config/config.ts';
import { QUEUE_NAMES } from '../platform/jobs/job-queue.ts';
import type { QueueName } from '../platform/jobs/job-queue.ts';
import { CHECK_NAMES } from '../system/health/health-report.ts';
import type { CheckName } from '../system/health/health-report.ts';

/** Parses a positive whole number (`--web 2`, `--cohort 7`). */
export function parseId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1) throw new InvalidArgumentError('must be a positive integer');
  return id;
}

/** Parses `--from 2026-03`. */
export function parseMonthOption(value: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) throw new InvalidArgumentError('must be YYYY-MM');
  return value;
}

/** Parses `--checks database,queue`. */
export function parseChecks(value: string): CheckName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !CHECK_NAMES.some((check) => check === name));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown check(s) ${unknown.join(', ')}; known: ${CHECK_NAMES.join(', ')}`,
    );
  }
  return CHECK_NAMES.filter((check) => names.includes(check));
}

/** Parses `--queues a,b`; every name must be a known queue. */
export function parseQueues(value: string): QueueName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const queues = names.map((name) => QUEUE_NAMES.find((queue) => queue === name));
  const unknown = names.filter((_name, index) => queues[index] === undefined);
  if (unknown.length > 0 || names.length === 0) {
    throw new InvalidArgumentError(
      `unknown queue(s) ${unknown.join(', ')}; known: ${QUEUE_NAMES.join(', ')}`,
    );
  }
  return queues.filter((queue): queue is QueueName => queue !== undefined);
}

/** Parses `--metrics-port <n>`: a TCP port, or 0 for none (whatever the setting says). */
export function parseMetricsPort(value: string): number | null {
  const port = parsePortSetting(value);
  if (Number.isNaN(port)) throw new InvalidArgumentError('must be a port from 1 to 65535, or 0');
  return port;
}
