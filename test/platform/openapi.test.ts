import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { routeAccessList } from '../../src/auth/access.plugin.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

interface Operation {
  security?: unknown[];
  responses?: Record<string, unknown>;
  parameters?: { name: string; in: string }[];
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, unknown> };
  security?: unknown[];
}

/** The paths the architecture promises; each must be in the document. */
const PROMISED_PATHS = [
  '/api/v1/auth/tokens',
  '/api/v1/courses',
  '/api/v1/students',
  '/api/v1/cohorts',
  '/api/v1/cohorts/{id}/activities',
  '/api/v1/cohorts/{id}/enrollments',
];

function openApiPath(url: string): string {
  return url.replace(/:(\w+)(\([^)]*\))?/g, '{$1}');
}

describeEachDatabase('the OpenAPI document', (dialect) => {
  let t: TestApp;
  let document: OpenApiDocument;

  before(async () => {
    t = await createTestApp(dialect);
    const response = await t.app.inject({ url: '/api/openapi.json' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    document = JSON.parse(response.body) as OpenApiDocument;
  });
  after(() => t.close());

  it('is OpenAPI 3 with a title, a version and the bearer scheme', () => {
    assert.match(document.openapi, /^3\.\d+\.\d+$/);
    assert.equal(document.info.title, 'OMAUM API');
    assert.ok(document.info.version);
    assert.deepEqual(document.components?.securitySchemes?.bearer, {
      type: 'http',
      scheme: 'bearer',
    });
    assert.deepEqual(document.security, [{ bearer: [] }]);
  });

  it('lists the paths the architecture promises', () => {
    for (const path of PROMISED_PATHS) assert.ok(document.paths[path], `${path} is missing`);
  });

  it('describes every API route, with its method and responses', () => {
    const missing: string[] = [];
    for (const route of routeAccessList(t.app)) {
      if (!route.url.startsWith('/api/v1/') || route.method === 'HEAD') continue;
      const operation = document.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      if (!operation?.responses) missing.push(`${route.method} ${route.url}`);
    }
    assert.deepEqual(missing, []);
  });

  it('marks the sign-in routes as needing no token', () => {
    assert.deepEqual(document.paths['/api/v1/auth/tokens']?.post?.security, []);
    assert.deepEqual(document.paths['/api/v1/auth/session']?.post?.security, []);
  });

  it('leaves health checks and its own routes out', () => {
    for (const path of ['/livez', '/readyz', '/api/openapi.json']) {
      assert.equal(document.paths[path], undefined, path);
    }
  });

  it('documents path parameters under the names the paths use', () => {
    const operation = document.paths['/api/v1/courses/{id}']?.get;
    assert.deepEqual(
      operation?.parameters?.map((p) => [p.name, p.in]),
      [['id', 'path']],
    );
  });

  it('serves the browsable documentation', async () => {
    const response = await t.app.inject({ url: '/api/docs' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/html/);
    const styles = await t.app.inject({ url: '/api/docs/static/swagger-ui.css' });
    assert.equal(styles.statusCode, 200);
  });
});
