import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { LightMyRequestResponse } from 'fastify';

import type { RouteAccess } from '../../src/auth/access.plugin.ts';
import { routeAccessList } from '../../src/auth/access.plugin.ts';
import type { Role } from '../../src/platform/db/tables.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertStudent } from '../support/fixtures.ts';
import type { JsonSchema } from './json-schema.ts';
import {
  accepts,
  asObjectSchema,
  isBooleanSchema,
  isIntegerSchema,
  isStringSchema,
  stringEnum,
  wrongTypeValue,
} from './json-schema.ts';
import { snapshotTables } from './table-snapshot.ts';

const BODY_LIMIT = 4096;
const TOO_BIG_INTEGER = 2_147_483_648;
const WITH_NUL = 'a\u0000b';

/** Routes that must be in the sweep today; any route added later joins by itself. */
const MUST_COVER = [
  'POST /api/v1/courses',
  'PATCH /api/v1/courses/:id',
  'POST /api/v1/users',
  'PATCH /api/v1/users/:id',
  'POST /api/v1/auth/tokens',
  'POST /api/v1/students',
  'PATCH /api/v1/students/:id',
  'POST /api/v1/cohorts',
  'PATCH /api/v1/cohorts/:id',
  'POST /api/v1/cohorts/:id/activities',
  'POST /api/v1/cohorts/:id/enrollments',
  'POST /api/v1/activities/:id/sessions',
  'PUT /api/v1/sessions/:id/marks',
];

interface ErrorReply {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  details?: { field: string; message: string }[];
}

interface Expectation {
  readonly status: number;
  readonly code: string;
  /** Fields the details must name. */
  readonly fields?: readonly string[];
  /** When set, the details must name exactly these fields, once each. */
  readonly exactFields?: readonly string[];
}

interface Probe {
  readonly label: string;
  readonly route: RouteAccess;
  readonly url: string;
  readonly payload?: unknown;
  readonly rawBody?: string;
  readonly contentType?: string;
  readonly expect: Expectation;
}

// Path values tried in turn until one fits a parameter's schema.
const PARAM_SAMPLES = ['1', '2026-03', '2026-03-02', 'a'];

function sampleFor(schema: JsonSchema): string | undefined {
  return PARAM_SAMPLES.find((sample) => {
    const value = isIntegerSchema(schema) ? Number(sample) : sample;
    return accepts(schema, value);
  });
}

/**
 * A URL for a route whose parameters all pass their schema, so that the
 * probe reaches what it means to test; `values` replaces some of them.
 */
function concreteUrl(route: RouteAccess, values: Readonly<Record<string, string>> = {}): string {
  const params = asObjectSchema(route.schema?.params);
  return route.url.replace(/:(\w+)(\([^)]*\))?/g, (_match, name: string) => {
    const override = values[name];
    if (override !== undefined) return override;
    const schema = params?.properties?.[name];
    const sample = schema ? sampleFor(schema) : '1';
    if (sample === undefined) {
      throw new Error(`${label(route)}: add a sample value for :${name} to PARAM_SAMPLES`);
    }
    return sample;
  });
}

function label(route: RouteAccess): string {
  return `${route.method} ${route.url}`;
}

function errorOf(response: LightMyRequestResponse): ErrorReply | string {
  let body: ErrorReply;
  try {
    body = response.json<ErrorReply>();
  } catch {
    return `body is not JSON: ${response.body.slice(0, 120)}`;
  }
  const isShaped =
    body.statusCode === response.statusCode &&
    typeof body.code === 'string' &&
    typeof body.error === 'string' &&
    typeof body.message === 'string';
  return isShaped ? body : `not the error shape: ${response.body.slice(0, 200)}`;
}

/** What is wrong with a response, or null when it is what the probe expects. */
function mismatch(response: LightMyRequestResponse, expect: Expectation): string | null {
  const body = errorOf(response);
  if (typeof body === 'string') return `${response.statusCode}, ${body}`;
  if (response.statusCode !== expect.status || body.code !== expect.code) {
    return `${response.statusCode} ${body.code}: ${body.message}`;
  }
  const named = (body.details ?? []).map((detail) => detail.field);
  const missing = (expect.fields ?? []).filter((field) => !named.includes(field));
  if (missing.length > 0) return `details do not name ${missing.join(', ')}: ${named.join(', ')}`;
  if (!expect.exactFields) return null;
  const wanted = [...expect.exactFields].sort();
  return JSON.stringify([...named].sort()) === JSON.stringify(wanted)
    ? null
    : `details name [${named.join(', ')}], expected [${wanted.join(', ')}]`;
}

const invalid = (fields: readonly string[] = []): Expectation => ({
  status: 400,
  code: 'OMAUM_REQUEST_INVALID',
  fields,
});

function propertiesOf(schema: JsonSchema): [string, JsonSchema][] {
  return Object.entries(schema.properties ?? {});
}

/** Probes of a route's body: missing fields, wrong types, values the database cannot hold. */
function bodyProbes(route: RouteAccess, body: JsonSchema): Probe[] {
  const url = concreteUrl(route);
  const probe = (name: string, payload: unknown, expect: Expectation): Probe => ({
    label: `${label(route)} ${name}`,
    route,
    url,
    payload,
    expect,
  });
  const required = body.required ?? [];
  const probes: Probe[] = [];

  if (required.length > 0) {
    probes.push(probe('{}', {}, { ...invalid(), exactFields: required }));
  } else if ((body.minProperties ?? 0) > 0) {
    probes.push(probe('{}', {}, invalid()));
  }

  const wrong = propertiesOf(body)
    .map(([name, schema]) => [name, wrongTypeValue(schema)] as const)
    .filter(([, value]) => value !== undefined);
  if (wrong.length > 0) {
    const everyField = [...new Set([...wrong.map(([name]) => name), ...required])];
    probes.push(
      probe('with every field of the wrong type', Object.fromEntries(wrong), {
        ...invalid(),
        exactFields: everyField,
      }),
    );
  }
  for (const [name, value] of wrong) {
    probes.push(probe(`${name} of the wrong type`, { [name]: value }, invalid([name])));
  }
  for (const [name, schema] of propertiesOf(body)) {
    if (isIntegerSchema(schema)) {
      probes.push(probe(`${name} = 2^31`, { [name]: TOO_BIG_INTEGER }, invalid([name])));
    }
    if (isStringSchema(schema)) {
      probes.push(probe(`${name} holding NUL`, { [name]: WITH_NUL }, invalid([name])));
    }
  }
  return probes;
}

/** Probes of a body that cannot be read as the JSON object the route expects. */
function unreadableBodyProbes(route: RouteAccess): Probe[] {
  const url = concreteUrl(route);
  const raw = (name: string, rawBody: string, contentType: string, expect: Expectation) => ({
    label: `${label(route)} ${name}`,
    route,
    url,
    rawBody,
    contentType,
    expect,
  });
  const json = 'application/json';
  const malformed = { status: 400, code: 'OMAUM_REQUEST_MALFORMED' };
  const tooLarge = JSON.stringify({ text: 'x'.repeat(BODY_LIMIT * 2) });
  return [
    raw('not JSON', '{"name": "Ana", ', json, malformed),
    raw('empty', '', json, malformed),
    raw('an array', '[]', json, invalid()),
    raw('null', 'null', json, invalid()),
    raw('a string', '"text"', json, invalid()),
    raw('plain text', 'name=Ana', 'text/plain', invalid()),
    raw('too large', tooLarge, json, { status: 413, code: 'OMAUM_REQUEST_TOO_LARGE' }),
    raw('as XML', '<name>Ana</name>', 'application/xml', {
      status: 415,
      code: 'OMAUM_REQUEST_UNSUPPORTED_MEDIA',
    }),
  ];
}

const BAD_IDS = ['abc', '0', '-1', '1.5', String(TOO_BIG_INTEGER), '%00'];

/** Values a parameter's schema refuses: bad ids for ids, nonsense for the rest. */
function badParamValues(schema: JsonSchema): string[] {
  if (isIntegerSchema(schema)) return BAD_IDS;
  return ['no-such-value', '%00'].filter((value) => !accepts(schema, decodeURIComponent(value)));
}

function paramProbes(route: RouteAccess, params: JsonSchema): Probe[] {
  return propertiesOf(params).flatMap(([name, schema]) =>
    badParamValues(schema).map((value) => ({
      label: `${label(route)} with :${name} = ${value}`,
      route,
      url: concreteUrl(route, { [name]: value }),
      expect: invalid([name]),
    })),
  );
}

function queryValuesFor(schema: JsonSchema): string[] {
  if (isIntegerSchema(schema)) return ['abc', String(TOO_BIG_INTEGER)];
  if (isBooleanSchema(schema)) return ['maybe'];
  if (stringEnum(schema)) return ['no-such-value'];
  if (isStringSchema(schema)) return [encodeURIComponent(WITH_NUL)];
  return [];
}

function queryProbes(route: RouteAccess, query: JsonSchema): Probe[] {
  const base = concreteUrl(route);
  const probe = (name: string, value: string): Probe => ({
    label: `${label(route)} ?${name}=${value}`,
    route,
    url: `${base}?${name}=${value}`,
    expect: invalid([name]),
  });
  return [
    probe('unknownParameter', '1'),
    ...propertiesOf(query).flatMap(([name, schema]) =>
      queryValuesFor(schema).map((value) => probe(name, value)),
    ),
  ];
}

function apiRoutes(t: TestApp): RouteAccess[] {
  return routeAccessList(t.app).filter(
    (route) => route.url.startsWith('/api/v1/') && route.method !== 'HEAD',
  );
}

describeEachDatabase('bad input on every API route', (dialect) => {
  let t: TestApp;
  const tokens = new Map<Role, string>();

  before(async () => {
    t = await createTestApp(dialect, {
      env: { OMAUM_BODY_LIMIT_BYTES: String(BODY_LIMIT), OMAUM_RATE_LIMIT: 'off' },
    });
    const student = await insertStudent(t.testDb.database.db);
    for (const role of ['admin', 'secretary', 'instructor', 'viewer'] as const) {
      tokens.set(role, await t.tokenFor(role, { studentId: student.id }));
    }
  });
  after(() => t.close());

  /** An admin's token, or one of a role the route lets in when admins are not. */
  function headersFor(route: RouteAccess): Record<string, string> {
    const { access } = route;
    const role = typeof access === 'string' || access.includes('admin') ? 'admin' : access[0];
    const token = role ? tokens.get(role) : undefined;
    return token ? t.auth(token) : {};
  }

  /** Sends every probe and lists those answered otherwise than expected, or with a 500. */
  async function run(probes: readonly Probe[]): Promise<string[]> {
    const failures: string[] = [];
    for (const probe of probes) {
      const contentType = probe.contentType ? { 'content-type': probe.contentType } : {};
      const response = await t.app.inject({
        method: probe.route.method,
        url: probe.url,
        headers: { ...headersFor(probe.route), ...contentType },
        ...(probe.rawBody === undefined ? {} : { payload: probe.rawBody }),
        ...(probe.payload === undefined ? {} : { payload: probe.payload as object }),
      });
      const problem = mismatch(response, probe.expect);
      if (problem) failures.push(`${probe.label}: ${problem}`);
    }
    return failures;
  }

  /** Runs the probes and checks that no table changed. */
  async function sweep(probes: readonly Probe[]): Promise<void> {
    const before = await snapshotTables(t.testDb.database);
    const failures = await run(probes);
    assert.deepEqual(failures, []);
    assert.deepEqual(await snapshotTables(t.testDb.database), before, 'a refused request wrote');
  }

  function bodyRoutes(): [RouteAccess, JsonSchema][] {
    return apiRoutes(t).flatMap((route) => {
      const body = asObjectSchema(route.schema?.body);
      return body ? [[route, body] as [RouteAccess, JsonSchema]] : [];
    });
  }

  it('finds the body of every write route it must cover', () => {
    const covered = bodyRoutes().map(([route]) => label(route));
    for (const expected of MUST_COVER) assert.ok(covered.includes(expected), expected);
  });

  it('names each missing field, and each field of the wrong type, once', async () => {
    await sweep(bodyRoutes().flatMap(([route, body]) => bodyProbes(route, body)));
  });

  it('refuses bodies that are not JSON objects, too large, or not JSON at all', async () => {
    await sweep(bodyRoutes().flatMap(([route]) => unreadableBodyProbes(route)));
  });

  it('answers 400 naming the parameter to an id that is not a valid record id', async () => {
    const probes = apiRoutes(t).flatMap((route) => {
      const params = asObjectSchema(route.schema?.params);
      return params ? paramProbes(route, params) : [];
    });
    assert.ok(probes.length > 0);
    await sweep(probes);
  });

  it('answers 400 naming the parameter to a wrong or unknown query parameter', async () => {
    const probes = apiRoutes(t).flatMap((route) => {
      const query = asObjectSchema(route.schema?.querystring);
      return query ? queryProbes(route, query) : [];
    });
    assert.ok(probes.length > 0);
    await sweep(probes);
  });

  it('answers 404 with the error shape to an unknown API route', async () => {
    const response = await t.app.inject({
      url: '/api/v1/no-such-thing',
      headers: t.auth(tokens.get('admin') ?? ''),
    });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json<ErrorReply>().code, 'OMAUM_ROUTE_NOT_FOUND');
  });
});
