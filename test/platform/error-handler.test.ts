import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

import { AppError, invalidFields } from '../../src/platform/errors/app-error.ts';
import {
  handleFrameworkError,
  registerErrorHandling,
} from '../../src/platform/http/error-handler.ts';
import { IdParams, Nullable } from '../../src/platform/http/schemas.ts';

interface ErrorReply {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  details?: unknown;
}

/** A bare Fastify instance with OMAUM's error handling and a few routes that fail. */
async function appWith(isProduction: boolean): Promise<FastifyInstance> {
  const app = Fastify({
    frameworkErrors: handleFrameworkError,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });
  registerErrorHandling(app, isProduction);
  app.get('/app-error', () => {
    throw new AppError('OMAUM_COURSE_DUPLICATE', 'Já existe', [{ field: 'name', message: 'x' }]);
  });
  app.get('/fields', () => {
    throw invalidFields([{ field: 'endDate', message: 'must be after the start' }]);
  });
  app.get('/bug', () => {
    throw new Error('cannot read property of undefined');
  });
  app.get('/data-exception', () => {
    throw Object.assign(new Error('value "99999999999" is out of range for type integer'), {
      code: '22003',
      severity: 'ERROR',
    });
  });
  app.get('/items/:id', { schema: { params: IdParams } }, () => ({ ok: true }));
  app.post(
    '/things',
    {
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1 }), ref: Nullable(Type.Integer()) },
          { additionalProperties: false },
        ),
      },
    },
    () => ({ ok: true }),
  );
  app.get(
    '/search',
    { schema: { querystring: Type.Object({ q: Type.Optional(Type.String()) }) } },
    () => ({ ok: true }),
  );
  await app.ready();
  return app;
}

async function replyOf(app: FastifyInstance, url: string, payload?: object) {
  const response = await app.inject({ method: payload ? 'POST' : 'GET', url, payload });
  const body = response.json<ErrorReply>();
  assert.equal(body.statusCode, response.statusCode, 'statusCode in the body matches');
  assert.equal(typeof body.error, 'string');
  assert.equal(typeof body.message, 'string');
  return body;
}

describe('the error handler', () => {
  it('answers an AppError with its code, status, message and details', async () => {
    const body = await replyOf(await appWith(false), '/app-error');
    assert.deepEqual(body, {
      statusCode: 409,
      code: 'OMAUM_COURSE_DUPLICATE',
      error: 'Conflict',
      message: 'Já existe',
      details: [{ field: 'name', message: 'x' }],
    });
  });

  it('lists the fields of invalidFields in details', async () => {
    const body = await replyOf(await appWith(false), '/fields');
    assert.equal(body.code, 'OMAUM_REQUEST_INVALID');
    assert.deepEqual(body.details, [{ field: 'endDate', message: 'must be after the start' }]);
  });

  it('names each wrong field of a body once, even in a union', async () => {
    const app = await appWith(false);
    const body = await replyOf(app, '/things', { name: '', ref: 'x', colour: 'blue' });
    assert.equal(body.statusCode, 400);
    const fields = (body.details as { field: string }[]).map((d) => d.field).sort();
    assert.deepEqual(fields, ['colour', 'name', 'ref']);
  });

  it('hides the cause of a 500 in production and shows it in development', async () => {
    const production = await replyOf(await appWith(true), '/bug');
    assert.equal(production.statusCode, 500);
    assert.equal(production.code, 'OMAUM_INTERNAL');
    assert.equal(production.details, undefined);
    assert.equal(JSON.stringify(production).includes('undefined'), false);

    const development = await replyOf(await appWith(false), '/bug');
    assert.deepEqual(development.details, { cause: 'cannot read property of undefined' });
  });

  it('answers 400 when the database refuses a value the schema let through', async () => {
    const body = await replyOf(await appWith(true), '/data-exception');
    assert.equal(body.statusCode, 400);
    assert.equal(body.code, 'OMAUM_REQUEST_INVALID');
  });

  it('refuses text holding NUL in the body, query or path, naming the field', async () => {
    const app = await appWith(false);
    const inBody = await replyOf(app, '/things', { name: 'a\u0000b', ref: null });
    assert.deepEqual(inBody.details, [{ field: 'name', message: 'must not hold NUL' }]);
    const inQuery = await replyOf(app, '/search?q=a%00b');
    assert.equal(inQuery.statusCode, 400);
    assert.deepEqual(
      (inQuery.details as { field: string }[]).map((d) => d.field),
      ['q'],
    );
  });

  it('answers a URL that is not valid percent-encoding with the error shape', async () => {
    const body = await replyOf(await appWith(false), '/items/%E0%A4%A');
    assert.equal(body.statusCode, 400);
    assert.equal(body.code, 'OMAUM_REQUEST_MALFORMED');
  });

  it('answers an unknown route with 404 OMAUM_ROUTE_NOT_FOUND, without the query', async () => {
    const body = await replyOf(await appWith(false), '/nowhere?cpf=52998224725');
    assert.equal(body.statusCode, 404);
    assert.equal(body.code, 'OMAUM_ROUTE_NOT_FOUND');
    assert.equal(body.message.includes('52998224725'), false);
  });
});
