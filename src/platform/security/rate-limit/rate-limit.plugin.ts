import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

import { AppError } from '../../errors/app-error.ts';
import { routePath } from '../../http/error-handler.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { RateLimiter, RequestOrigin, RuleCheck, RuleState, Verdict } from './rate-limiter.ts';
import { accountSubject, requester } from './rate-limiter.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Rules a route adds to the general ones: sign-in attempts, or starting an export. */
    rateLimit?: 'sign-in' | 'export';
  }
  interface FastifyRequest {
    /** The rules counted so far for this request; null when it is exempt. */
    rateLimitState: RateLimitState | null;
  }
}

interface RateLimitState {
  /** The general rules have been counted (or the request was refused before). */
  isCounted: boolean;
  readonly states: RuleState[];
}

// Static files and probes are never limited: a page needs many of the
// former, and an orchestrator must always reach the latter.
const EXEMPT_PREFIXES = ['/static/', '/api/docs/static/'];
const EXEMPT_PATHS = new Set(['/livez', '/readyz', '/metrics', '/favicon.ico']);

export interface RateLimitOptions {
  readonly limiter: RateLimiter;
  readonly metrics: Metrics;
}

export function isExemptPath(path: string): boolean {
  return EXEMPT_PATHS.has(path) || EXEMPT_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/**
 * Applies the rate limits to every request. Register it before the access
 * plugin: a blocked address is turned away before any authentication work.
 * The general rules are counted at `preParsing`, once the access plugin
 * has found the actor (`onRequest`); sign-in rules at `preValidation`, once
 * the body, and so the account, is known. A request whose authentication
 * failed never reaches `preParsing`; it is counted when it ends, against
 * its address, so that guessing tokens still leads to a block.
 */
async function rateLimitPlugin(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const { limiter, metrics } = options;
  app.decorateRequest('rateLimitState', null);

  app.addHook('onRequest', async (request, reply) => {
    if (isExemptPath(routePath(request))) return;
    const state: RateLimitState = { isCounted: false, states: [] };
    request.rateLimitState = state;

    const block = await limiter.blockOf(request.ip);
    if (!block) return;
    state.isCounted = true;
    metrics.blockedRequests.inc();
    const retryAfterSeconds = seconds(Date.parse(block.until) - limiter.nowMs());
    reply.header('retry-after', String(retryAfterSeconds));
    throw new AppError(
      'OMAUM_ADDRESS_BLOCKED',
      `Too many refused requests came from your address; it is blocked until ${block.until}`,
      { until: block.until, retryAfterSeconds },
    );
  });

  app.addHook('preParsing', async (request, reply, payload) => {
    const state = request.rateLimitState;
    if (!state || state.isCounted) return payload;
    state.isCounted = true;
    const verdict = await limiter.check(generalChecks(request), originOf(request));
    apply(reply, state, verdict);
    return payload;
  });

  // Callback style below: most requests leave at the first line, and an async
  // hook would cost each of them a promise.
  app.addHook('preValidation', (request, reply, done) => {
    const state = request.rateLimitState;
    if (!state || request.routeOptions.config.rateLimit !== 'sign-in') {
      done();
      return;
    }
    limiter
      .check(signInChecks(request), originOf(request))
      .then((verdict) => {
        apply(reply, state, verdict); // throws the refusal
      })
      .then(() => {
        done();
      }, done);
  });

  app.addHook('onResponse', (request, _reply, done) => {
    const state = request.rateLimitState;
    if (!state || state.isCounted) {
      done();
      return;
    }
    state.isCounted = true;
    limiter.check(generalChecks(request), originOf(request)).then(() => {
      done();
    }, done);
  });
}

function generalChecks(request: FastifyRequest): RuleCheck[] {
  const subject = requester(request.actor?.userId ?? null, request.ip);
  const checks: RuleCheck[] = [
    { rule: 'burst', subject },
    { rule: 'general', subject },
  ];
  if (routePath(request).startsWith('/api/')) checks.push({ rule: 'api', subject });
  if (request.routeOptions.config.rateLimit === 'export') checks.push({ rule: 'exports', subject });
  return checks;
}

function signInChecks(request: FastifyRequest): RuleCheck[] {
  const checks: RuleCheck[] = [{ rule: 'signInAddress', subject: `address:${request.ip}` }];
  const email = (request.body as { email?: unknown } | null | undefined)?.email;
  if (typeof email === 'string' && email.trim() !== '') {
    checks.push({ rule: 'signInAccount', subject: accountSubject(email) });
  }
  return checks;
}

function originOf(request: FastifyRequest): RequestOrigin {
  return {
    address: request.ip,
    userId: request.actor?.userId ?? null,
    method: request.method,
    route: request.routeOptions.url ?? routePath(request).slice(0, 200),
  };
}

/** Sets the headers of the rule closest to exhaustion; throws the refusal. */
function apply(reply: FastifyReply, state: RateLimitState, verdict: Verdict): void {
  state.states.push(...verdict.states);
  const tightest = closestToExhaustion(state.states);
  if (!tightest) return;

  reply.header('ratelimit-limit', String(tightest.max));
  reply.header('ratelimit-remaining', String(tightest.remaining));
  reply.header('ratelimit-reset', String(seconds(tightest.resetMs)));
  reply.header('ratelimit-policy', policyOf(state.states));
  if (verdict.isAllowed) return;

  const exceeded = verdict.states.filter((rule) => rule.isExceeded);
  const retryAfterSeconds = Math.max(...exceeded.map((rule) => seconds(rule.resetMs)));
  const rule = exceeded.find((r) => seconds(r.resetMs) === retryAfterSeconds) ?? tightest;
  reply.header('retry-after', String(retryAfterSeconds));
  throw new AppError(
    'OMAUM_RATE_LIMITED',
    `Too many requests: the ${rule.rule} limit allows ${rule.max} every ` +
      `${seconds(rule.windowMs)} s; try again in ${retryAfterSeconds} s`,
    {
      rule: rule.rule,
      limit: rule.max,
      windowSeconds: seconds(rule.windowMs),
      retryAfterSeconds,
    },
  );
}

/** Fewest requests left; of those, the one that frees up last. */
function closestToExhaustion(states: readonly RuleState[]): RuleState | undefined {
  return [...states].sort((a, b) => a.remaining - b.remaining || b.resetMs - a.resetMs)[0];
}

function policyOf(states: readonly RuleState[]): string {
  return states.map((rule) => `${rule.max};w=${seconds(rule.windowMs)}`).join(', ');
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export default fp(rateLimitPlugin, { name: 'omaum-rate-limit' });
