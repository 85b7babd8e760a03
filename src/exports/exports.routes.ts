import { createReadStream } from 'node:fs';

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import { actorOf } from '../auth/access.plugin.ts';
import { ALL_ROLES } from '../auth/actor.ts';
import { IdParams } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import {
  ExportCreatedSchema,
  ExportListSchema,
  ExportRequestBody,
  ExportSchema,
} from './exports.schemas.ts';

const tags = ['exports'];
// Every role may export; the service keeps each user within the cohorts they can see.
const access = ALL_ROLES;

/** Exports built in the background: request, follow, download. */
export const exportRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { exports } = services;

  app.post(
    '/exports',
    {
      config: { access, rateLimit: 'export' },
      schema: {
        tags,
        summary:
          'Request an export (sheet, marks, student report, roll call); built in the background',
        body: ExportRequestBody,
        response: { 202: ExportCreatedSchema },
      },
    },
    async (request, reply) => {
      const created = await exports.request(actorOf(request), request.body);
      return reply.code(202).send(created);
    },
  );

  app.get(
    '/exports',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Your exports, newest first',
        response: { 200: ExportListSchema },
      },
    },
    (request) => exports.list(actorOf(request)),
  );

  app.get(
    '/exports/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'One export: status, progress and, once ready, where to download it',
        params: IdParams,
        response: { 200: ExportSchema },
      },
    },
    (request) => exports.get(actorOf(request), request.params.id),
  );

  app.get(
    '/exports/:id/download',
    {
      config: { access },
      schema: {
        tags,
        summary: 'The file of a ready export',
        params: IdParams,
      },
    },
    async (request, reply) => {
      const file = await exports.download(actorOf(request), request.params.id);
      return reply
        .header('content-type', file.contentType)
        .header('content-disposition', contentDisposition(file.fileName))
        .send(createReadStream(file.path));
    },
  );
};

/** `attachment` with an ASCII fallback name and the exact one in RFC 5987 form. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
