import { Type } from 'typebox';
import type { Static } from 'typebox';

import {
  Email,
  ListOf,
  Nullable,
  Pagination,
  RecordId,
  StringEnum,
  Timestamp,
} from '../platform/http/schemas.ts';

export const ROLES = ['admin', 'secretary', 'instructor', 'viewer'] as const;
const Role = StringEnum(ROLES);

export const UserSchema = Type.Object(
  {
    id: Type.Integer(),
    email: Type.String(),
    name: Type.String(),
    role: Role,
    studentId: Nullable(Type.Integer()),
    isActive: Type.Boolean(),
    mustChangePassword: Type.Boolean(),
    lockedUntil: Nullable(Timestamp),
    lastSignInAt: Nullable(Timestamp),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'User' },
);

export const CreateUserBody = Type.Object(
  {
    email: Email,
    name: Type.String({ minLength: 1, maxLength: 120 }),
    role: Role,
    password: Type.String({ minLength: 1, maxLength: 200 }),
    studentId: Type.Optional(Nullable(RecordId)),
    mustChangePassword: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const UpdateUserBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    role: Type.Optional(Role),
    studentId: Type.Optional(Nullable(RecordId)),
    isActive: Type.Optional(Type.Boolean()),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

export const UserListQuery = Type.Object(
  {
    ...Pagination,
    role: Type.Optional(Role),
    isActive: Type.Optional(Type.Boolean()),
    search: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const UserList = ListOf(UserSchema);
