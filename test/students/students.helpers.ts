import { randomInt } from 'node:crypto';

import type { LightMyRequestResponse } from 'fastify';

import { generateCpf } from '../../src/students/cpf.ts';
import type { TestApp } from '../support/app.ts';

/** A student as the API answers it. */
export interface StudentJson {
  id: number;
  fullName: string;
  cpf: string;
  initiaticNumber: string;
  initiaticName: string | null;
  email: string | null;
  phone: string | null;
  secondaryPhone: string | null;
  birthDate: string | null;
  sex: string | null;
  situation: string;
  address?: string | null;
  emergencyContacts?: string | null;
  medicalNotes?: string | null;
  notes: string | null;
  archivedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface StudentListJson {
  items: StudentJson[];
  total: number;
}

export interface ErrorJson {
  code: string;
  message: string;
  details?: { field: string; message: string }[];
}

let counter = 0;

/** The smallest valid creation body, with a fresh CPF and initiatic number. */
export function studentBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    fullName: `Aluno Exemplo ${counter}`,
    cpf: generateCpf(randomInt),
    initiaticNumber: `IN-${counter}-${randomInt(1_000_000)}`,
    ...overrides,
  };
}

/** Small helpers over `app.inject` for the students API. */
export function studentsApi(t: TestApp) {
  return {
    create(body: Record<string, unknown>, token: string): Promise<LightMyRequestResponse> {
      return t.app.inject({
        method: 'POST',
        url: '/api/v1/students',
        headers: t.auth(token),
        payload: body,
      });
    },

    /** Creates a student and returns it; fails the test when the API refuses. */
    async createOk(body: Record<string, unknown>, token: string): Promise<StudentJson> {
      const response = await this.create(body, token);
      if (response.statusCode !== 201) {
        throw new Error(`expected 201, got ${response.statusCode}: ${response.body}`);
      }
      return response.json<StudentJson>();
    },

    get(id: number, token: string): Promise<LightMyRequestResponse> {
      return t.app.inject({ url: `/api/v1/students/${id}`, headers: t.auth(token) });
    },

    patch(id: number, body: Record<string, unknown>, token: string) {
      return t.app.inject({
        method: 'PATCH',
        url: `/api/v1/students/${id}`,
        headers: t.auth(token),
        payload: body,
      });
    },

    action(id: number, action: 'archive' | 'restore', token: string) {
      return t.app.inject({
        method: 'POST',
        url: `/api/v1/students/${id}/${action}`,
        headers: t.auth(token),
      });
    },

    async list(query: Record<string, string>, token: string): Promise<StudentListJson> {
      const response = await t.app.inject({
        url: '/api/v1/students',
        query,
        headers: t.auth(token),
      });
      if (response.statusCode !== 200) {
        throw new Error(`expected 200, got ${response.statusCode}: ${response.body}`);
      }
      return response.json<StudentListJson>();
    },
  };
}

export function fieldsOf(response: LightMyRequestResponse): string[] {
  return (response.json<ErrorJson>().details ?? []).map((detail) => detail.field).sort();
}
