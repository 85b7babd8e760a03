import { AsyncLocalStorage } from 'node:async_hooks';

import type { LogEvent } from 'kysely';

/**
 * Counting SQL per unit of work (a request or a job). Kysely reports every
 * query to `observeQuery`; the unit of work it ran in is found through
 * AsyncLocalStorage, so no repository has to pass anything along.
 */

/** The queries one request or job ran. */
export interface QueryTally {
  count: number;
  totalMs: number;
  /** How often each SQL shape ran, for N+1 detection. */
  readonly shapes: Map<string, number>;
}

/** Where a unit of work writes: a request's own logger (with its id), or a job's. */
export interface LineLogger {
  info(line: object, message: string): void;
  warn(line: object, message: string): void;
}

/** One request or job being watched. */
export interface WorkUnit {
  /** Route template or job name, as metrics and logs name it. */
  readonly origin: string;
  readonly tally: QueryTally;
  readonly logger: LineLogger;
}

/** Told about every query of a unit of work, e.g. to log and count slow ones. */
export interface QueryObserver {
  onQuery(shape: string, durationMs: number, unit: WorkUnit): void;
}

interface WorkContext extends WorkUnit {
  readonly observer: QueryObserver;
}

// TODO(#6): on Node 20 an active AsyncLocalStorage makes every promise pay a hook (about
// 17 µs per cached sheet read); Node 22's AsyncContextFrame removes that cost.
const storage = new AsyncLocalStorage<WorkContext>();

export function newTally(): QueryTally {
  return { count: 0, totalMs: 0, shapes: new Map() };
}

/** Runs `work` as one unit: the queries it causes, however deep, land in `tally`. */
export function runMonitored<R>(unit: WorkUnit, observer: QueryObserver, work: () => R): R {
  return storage.run({ ...unit, observer }, work);
}

/** Kysely's `log` hook: counts the query in the unit of work it belongs to, if any. */
export function observeQuery(event: LogEvent): void {
  const context = storage.getStore();
  if (!context) return;
  const shape = shapeOf(event.query.sql);
  const { tally } = context;
  tally.count += 1;
  tally.totalMs += event.queryDurationMillis;
  tally.shapes.set(shape, (tally.shapes.get(shape) ?? 0) + 1);
  context.observer.onQuery(shape, event.queryDurationMillis, context);
}

const MAX_SHAPE_LENGTH = 500;
// Kysely compiles the same few hundred statements over and over: remember their shapes.
const SHAPES_REMEMBERED = 2000;
const shapes = new Map<string, string>();

function shapeOf(sql: string): string {
  let shape = shapes.get(sql);
  if (shape === undefined) {
    shape = sqlShape(sql);
    if (shapes.size >= SHAPES_REMEMBERED) shapes.clear();
    shapes.set(sql, shape);
  }
  return shape;
}

/**
 * The statement without anything that varies between runs of the same code:
 * numbered placeholders become `?`, lists of placeholders and multi-row
 * VALUES fold to one, whitespace collapses. Parameters never appear in SQL
 * compiled by Kysely, so the shape holds no personal data.
 */
export function sqlShape(sql: string): string {
  const shape = sql
    .replace(/\$\d+/g, '?')
    .replace(/\s+/g, ' ')
    .replace(/\?(?:\s*,\s*\?)+/g, '?…')
    .replace(/\((\?…?)\)(?:\s*,\s*\(\?…?\))+/g, '($1)…')
    .trim();
  return shape.length > MAX_SHAPE_LENGTH ? `${shape.slice(0, MAX_SHAPE_LENGTH)}…` : shape;
}
