import fs from 'node:fs';
import path from 'node:path';

import dotenv from 'dotenv';
import envSchema from 'env-schema';
import { Type } from 'typebox';
import type { Static } from 'typebox';

/**
 * The environment OMAUM reads. Every variable is documented in `.env.example`;
 * keep the two in step (a test compares them).
 */
export const EnvSchema = Type.Object({
  OMAUM_ENV: Type.Union([Type.Literal('development'), Type.Literal('production')], {
    default: 'development',
  }),
  OMAUM_HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  OMAUM_PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
  OMAUM_BASE_URL: Type.String({ default: '' }),
  OMAUM_DATA_DIR: Type.String({ default: './data', minLength: 1 }),
  OMAUM_DATABASE_URL: Type.String({ default: '' }),
  OMAUM_REDIS_URL: Type.String({ default: '' }),
  OMAUM_QUEUE_BACKEND: Type.Union([Type.Literal('embedded'), Type.Literal('bullmq')], {
    default: 'embedded',
  }),
  OMAUM_SESSION_SECRET: Type.String({ default: '' }),
  OMAUM_ADMIN_EMAIL: Type.String({ default: '' }),
  OMAUM_ADMIN_PASSWORD: Type.String({ default: '' }),
  OMAUM_SMTP_URL: Type.String({ default: '' }),
  OMAUM_METRICS_TOKEN: Type.String({ default: '' }),
  // A string, so that empty means off like the other optional settings; read by toConfig.
  OMAUM_WORKER_METRICS_PORT: Type.String({ default: '' }),
  OMAUM_TRUST_PROXY: Type.String({ default: '' }),
  OMAUM_TZ: Type.String({ default: 'America/Sao_Paulo', minLength: 1 }),
  OMAUM_LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) =>
      Type.Literal(level),
    ),
    { default: 'info' },
  ),
  OMAUM_RATE_LIMIT: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  OMAUM_TOKEN_TTL_HOURS: Type.Integer({ default: 720, minimum: 1, maximum: 8760 }),
  OMAUM_BODY_LIMIT_BYTES: Type.Integer({ default: 1_048_576, minimum: 1024 }),
  OMAUM_SLOW_REQUEST_MS: Type.Integer({ default: 1000, minimum: 1 }),
  OMAUM_SLOW_QUERY_MS: Type.Integer({ default: 200, minimum: 1 }),
  OMAUM_N_PLUS_ONE_THRESHOLD: Type.Integer({ default: 10, minimum: 2 }),
  OMAUM_CACHE_TTL_SECONDS: Type.Integer({ default: 600, minimum: 1 }),
  OMAUM_CACHE_MAX_ENTRIES: Type.Integer({ default: 2000, minimum: 10 }),
  OMAUM_RATE_LIMIT_GENERAL: Type.String({ default: '60/1m' }),
  OMAUM_RATE_LIMIT_API: Type.String({ default: '30/1m' }),
  OMAUM_RATE_LIMIT_BURST: Type.String({ default: '10/10s' }),
  OMAUM_RATE_LIMIT_SIGN_IN_ACCOUNT: Type.String({ default: '5/15m' }),
  OMAUM_RATE_LIMIT_SIGN_IN_ADDRESS: Type.String({ default: '20/15m' }),
  OMAUM_RATE_LIMIT_EXPORTS: Type.String({ default: '10/1h' }),
  OMAUM_BLOCK_AFTER_REFUSALS: Type.String({ default: '30/10m' }),
  OMAUM_BLOCK_SECONDS: Type.Integer({ default: 900, minimum: 1 }),
});

export type Env = Static<typeof EnvSchema>;

export type DatabaseTarget =
  | { readonly dialect: 'sqlite'; readonly file: string }
  | { readonly dialect: 'postgres'; readonly url: string };

/** At most `max` events in any window of `windowMs` (a sliding window). */
export interface RateRule {
  readonly max: number;
  readonly windowMs: number;
}

export interface MonitoringSettings {
  /** Requests slower than this are logged at warn and counted. */
  readonly slowRequestMs: number;
  /** Queries slower than this are logged at warn (SQL shape only) and counted. */
  readonly slowQueryMs: number;
  /** The same SQL shape this many times in one request or job is reported as an N+1. */
  readonly nPlusOneThreshold: number;
}

export interface CacheSettings {
  readonly ttlSeconds: number;
  /** In-process cache only: entries kept before the least recently used go. */
  readonly maxEntries: number;
}

export interface RateLimitSettings {
  /** Every request that is not static or a health probe, per user or else per address. */
  readonly general: RateRule;
  /** Requests under `/api/`, per user or else per address. */
  readonly api: RateRule;
  /** Any request, over a short window, per user or else per address. */
  readonly burst: RateRule;
  /** Sign-in attempts for one account (e-mail), from anywhere. */
  readonly signInAccount: RateRule;
  /** Sign-in attempts from one address, whatever the account. */
  readonly signInAddress: RateRule;
  /** Export requests, per user. */
  readonly exports: RateRule;
  /** An address refused this often within the window is blocked. */
  readonly blockAfter: RateRule;
  readonly blockSeconds: number;
}

export interface Config {
  readonly env: 'development' | 'production';
  readonly isProduction: boolean;
  readonly host: string;
  readonly port: number;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly database: DatabaseTarget;
  readonly redisUrl: string | null;
  readonly queueBackend: 'embedded' | 'bullmq';
  /** Empty when not configured; development then derives a per-data-folder secret. */
  readonly sessionSecret: string;
  readonly adminEmail: string | null;
  readonly adminPassword: string | null;
  readonly smtpUrl: string | null;
  readonly metricsToken: string | null;
  /**
   * Where `omaum worker` serves its own `/metrics` (job outcomes, process
   * figures); null: it serves nothing. `deploy start` gives worker k port + k - 1.
   */
  readonly workerMetricsPort: number | null;
  readonly trustProxy: readonly string[];
  readonly timeZone: string;
  readonly logLevel: string;
  readonly isRateLimitOn: boolean;
  readonly tokenTtlHours: number;
  readonly bodyLimitBytes: number;
  readonly monitoring: MonitoringSettings;
  readonly cache: CacheSettings;
  readonly rateLimits: RateLimitSettings;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

interface LoadOptions {
  /** Read `.env` from the working folder (default true). */
  readonly useDotenv?: boolean;
}

/**
 * Reads and validates the environment, then freezes the result.
 * Throws a ConfigError naming every invalid variable at once.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  options: LoadOptions = {},
): Config {
  // The given environment wins over `.env`; nothing else is read, so tests
  // that pass their own environment are not affected by the process's.
  const data = { ...((options.useDotenv ?? true) ? readDotenv() : {}), ...omaumVariables(env) };
  const parsed = parseEnv(data);
  const config = toConfig(parsed.raw);
  const problems = [...parsed.problems, ...checkConsistency(config, parsed.raw)];

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

interface ParsedEnv {
  readonly raw: Env;
  readonly problems: readonly string[];
}

/**
 * Validates the variables. Those the schema refuses are named, then left out
 * and parsed again with their defaults, so that the checks between variables
 * still run and one start-up names every problem.
 */
function parseEnv(data: Record<string, string>): ParsedEnv {
  try {
    return { raw: validateEnv(data), problems: [] };
  } catch (error) {
    const problems = describeEnvErrors(error);
    const named = new Set(problems.map((problem) => problem.split(' ')[0]));
    const rest = Object.fromEntries(Object.entries(data).filter(([key]) => !named.has(key)));
    try {
      return { raw: validateEnv(rest), problems };
    } catch {
      throw new ConfigError(problems);
    }
  }
}

function validateEnv(data: Record<string, string>): Env {
  return envSchema<Env>({
    schema: EnvSchema,
    data: { ...data },
    env: false,
    dotenv: false,
    ajv: {
      customOptions(ajv) {
        ajv.opts.allErrors = true;
        return ajv;
      },
    },
  });
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}

function omaumVariables(env: Record<string, string | undefined>): Record<string, string> {
  const entries = Object.entries(env).filter(
    (entry): entry is [string, string] => entry[0].startsWith('OMAUM_') && entry[1] !== undefined,
  );
  return Object.fromEntries(entries);
}

function readDotenv(file = path.resolve('.env')): Record<string, string> {
  try {
    return omaumVariables(dotenv.parse(fs.readFileSync(file)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

interface AjvLikeError {
  instancePath?: string;
  params?: { missingProperty?: string; allowedValues?: unknown[] };
  message?: string;
}

function describeEnvErrors(error: unknown): string[] {
  const details = (error as { errors?: AjvLikeError[] }).errors;
  if (!Array.isArray(details) || details.length === 0) {
    return [error instanceof Error ? error.message : String(error)];
  }
  const byVariable = new Map<string, string>();
  for (const detail of details) {
    const name = (detail.instancePath ?? '').replace(/^\//, '') || 'environment';
    if (byVariable.has(name)) continue;
    const allowed = allowedValues(name);
    const message = allowed ? `must be one of ${allowed.join(', ')}` : detail.message;
    byVariable.set(name, `${name} ${message ?? 'is invalid'}`);
  }
  return [...byVariable.values()];
}

function allowedValues(name: string): string[] | null {
  const schema = (EnvSchema.properties as Record<string, { anyOf?: { const?: unknown }[] }>)[name];
  if (!schema?.anyOf) return null;
  return schema.anyOf.map((option) => String(option.const));
}

function toConfig(raw: Env): Config & { -readonly [K in keyof Config]: Config[K] } {
  const dataDir = path.resolve(raw.OMAUM_DATA_DIR);
  return {
    env: raw.OMAUM_ENV,
    isProduction: raw.OMAUM_ENV === 'production',
    host: raw.OMAUM_HOST,
    port: raw.OMAUM_PORT,
    baseUrl: raw.OMAUM_BASE_URL || `http://localhost:${raw.OMAUM_PORT}`,
    dataDir,
    database: toDatabaseTarget(raw.OMAUM_DATABASE_URL, dataDir),
    redisUrl: raw.OMAUM_REDIS_URL || null,
    queueBackend: raw.OMAUM_QUEUE_BACKEND,
    sessionSecret: raw.OMAUM_SESSION_SECRET,
    adminEmail: raw.OMAUM_ADMIN_EMAIL.trim().toLowerCase() || null,
    adminPassword: raw.OMAUM_ADMIN_PASSWORD || null,
    smtpUrl: raw.OMAUM_SMTP_URL || null,
    metricsToken: raw.OMAUM_METRICS_TOKEN || null,
    workerMetricsPort: parsePortSetting(raw.OMAUM_WORKER_METRICS_PORT),
    trustProxy: raw.OMAUM_TRUST_PROXY.split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
    timeZone: raw.OMAUM_TZ,
    logLevel: raw.OMAUM_LOG_LEVEL,
    isRateLimitOn: raw.OMAUM_RATE_LIMIT === 'on',
    tokenTtlHours: raw.OMAUM_TOKEN_TTL_HOURS,
    bodyLimitBytes: raw.OMAUM_BODY_LIMIT_BYTES,
    monitoring: {
      slowRequestMs: raw.OMAUM_SLOW_REQUEST_MS,
      slowQueryMs: raw.OMAUM_SLOW_QUERY_MS,
      nPlusOneThreshold: raw.OMAUM_N_PLUS_ONE_THRESHOLD,
    },
    cache: { ttlSeconds: raw.OMAUM_CACHE_TTL_SECONDS, maxEntries: raw.OMAUM_CACHE_MAX_ENTRIES },
    rateLimits: {
      general: parseRateRule(raw.OMAUM_RATE_LIMIT_GENERAL) ?? INVALID_RULE,
      api: parseRateRule(raw.OMAUM_RATE_LIMIT_API) ?? INVALID_RULE,
      burst: parseRateRule(raw.OMAUM_RATE_LIMIT_BURST) ?? INVALID_RULE,
      signInAccount: parseRateRule(raw.OMAUM_RATE_LIMIT_SIGN_IN_ACCOUNT) ?? INVALID_RULE,
      signInAddress: parseRateRule(raw.OMAUM_RATE_LIMIT_SIGN_IN_ADDRESS) ?? INVALID_RULE,
      exports: parseRateRule(raw.OMAUM_RATE_LIMIT_EXPORTS) ?? INVALID_RULE,
      blockAfter: parseRateRule(raw.OMAUM_BLOCK_AFTER_REFUSALS) ?? INVALID_RULE,
      blockSeconds: raw.OMAUM_BLOCK_SECONDS,
    },
  };
}

const RATE_RULE_VARIABLES = [
  'OMAUM_RATE_LIMIT_GENERAL',
  'OMAUM_RATE_LIMIT_API',
  'OMAUM_RATE_LIMIT_BURST',
  'OMAUM_RATE_LIMIT_SIGN_IN_ACCOUNT',
  'OMAUM_RATE_LIMIT_SIGN_IN_ADDRESS',
  'OMAUM_RATE_LIMIT_EXPORTS',
  'OMAUM_BLOCK_AFTER_REFUSALS',
] as const;

// Placeholder for a rule that failed to parse; `checkConsistency` reports the variable.
const INVALID_RULE: RateRule = { max: 1, windowMs: 1000 };

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000 };

/** Reads `N/duration`, e.g. `60/1m`, `10/10s`, `5/15m`, `100/1h`. */
export function parseRateRule(text: string): RateRule | null {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*([smh])\s*$/.exec(text);
  if (!match) return null;
  const max = Number(match[1]);
  const windowMs = Number(match[2]) * (UNIT_MS[match[3] ?? ''] ?? 0);
  return max >= 1 && windowMs >= 1000 ? { max, windowMs } : null;
}

/**
 * An optional port: null when empty or 0 (off), NaN when not a port number
 * (`checkConsistency` names the variable then).
 */
export function parsePortSetting(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '' || /^0+$/.test(trimmed)) return null;
  const port = /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : NaN;
  return port <= 65535 ? port : NaN;
}

function toDatabaseTarget(url: string, dataDir: string): DatabaseTarget {
  if (url === '') return { dialect: 'sqlite', file: path.join(dataDir, 'omaum.sqlite') };
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', url };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    return { dialect: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
  }
  return { dialect: 'sqlite', file: url === ':memory:' ? url : path.resolve(url) };
}

const WEAK_SECRETS = new Set(['changeme', 'secret', 'omaum', 'password', 'development']);

// Words of the passwords that guides and habits put on a fresh installation;
// a password made only of them, digits and symbols is a default one.
const DEFAULT_PASSWORD_WORDS = (
  'admin administrador administrator root changeme mudar trocar password passw senha omaum ' +
  'secret segredo default qwerty letmein welcome test teste development production'
).split(' ');
const DEFAULT_PASSWORD = new RegExp(`^(?:${DEFAULT_PASSWORD_WORDS.join('|')})*$`);

function isDefaultPassword(password: string): boolean {
  return DEFAULT_PASSWORD.test(password.toLowerCase().replace(/[^a-z]/g, ''));
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function checkConsistency(config: Config, raw: Env): string[] {
  const problems: string[] = [];

  if (!isValidTimeZone(config.timeZone)) {
    problems.push(`OMAUM_TZ "${config.timeZone}" is not an IANA time zone`);
  }
  if (config.adminEmail !== null && !config.adminEmail.includes('@')) {
    problems.push('OMAUM_ADMIN_EMAIL must be an e-mail address');
  }
  if (config.adminPassword !== null && config.adminPassword.length < 10) {
    problems.push('OMAUM_ADMIN_PASSWORD must have at least 10 characters');
  }
  if (raw.OMAUM_BASE_URL !== '' && !isHttpUrl(raw.OMAUM_BASE_URL)) {
    problems.push('OMAUM_BASE_URL must be an http:// or https:// address');
  }
  if (config.queueBackend === 'bullmq' && config.redisUrl === null) {
    problems.push('OMAUM_REDIS_URL is required when OMAUM_QUEUE_BACKEND is bullmq');
  }
  if (Number.isNaN(config.workerMetricsPort)) {
    problems.push('OMAUM_WORKER_METRICS_PORT must be empty, 0 (off) or a port from 1 to 65535');
  }
  for (const name of RATE_RULE_VARIABLES) {
    if (parseRateRule(raw[name]) === null) {
      problems.push(`${name} must read "N/duration" such as 60/1m, 10/10s or 5/15m`);
    }
  }
  if (config.isProduction) problems.push(...checkProduction(config, raw));
  return problems;
}

function checkProduction(config: Config, raw: Env): string[] {
  const problems: string[] = [];
  const secret = config.sessionSecret;

  if (secret.length < 32 || WEAK_SECRETS.has(secret.toLowerCase()) || new Set(secret).size < 8) {
    problems.push('OMAUM_SESSION_SECRET must be a random string of at least 32 characters');
  }
  if (config.adminPassword !== null && isDefaultPassword(config.adminPassword)) {
    problems.push('OMAUM_ADMIN_PASSWORD is a default password; choose one of your own');
  }
  if (raw.OMAUM_BASE_URL === '' || !raw.OMAUM_BASE_URL.startsWith('https://')) {
    problems.push('OMAUM_BASE_URL must be the https:// address users reach in production');
  }
  if (!config.isRateLimitOn) {
    problems.push('OMAUM_RATE_LIMIT must be on in production');
  }
  return problems;
}

function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
