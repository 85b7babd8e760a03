import { Type } from 'typebox';

import { Nullable, StringEnum, Timestamp } from '../platform/http/schemas.ts';

export const Credentials = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 80, description: 'Label of the token' }),
    ),
  },
  { additionalProperties: false },
);

export const IssuedTokenSchema = Type.Object({
  id: Type.Integer(),
  token: Type.String({ description: 'Shown once; send it as "Authorization: Bearer <token>"' }),
  expiresAt: Timestamp,
});

export const TokenInfo = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  revokedAt: Nullable(Timestamp),
  lastUsedAt: Nullable(Timestamp),
});

export const TokenList = Type.Object({ items: Type.Array(TokenInfo), total: Type.Integer() });

export const Me = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: StringEnum(['admin', 'secretary', 'instructor', 'viewer']),
  studentId: Nullable(Type.Integer()),
  mustChangePassword: Type.Boolean(),
});

export const SessionStarted = Type.Object({
  user: Me,
  csrfToken: Type.String({ description: 'Send as "x-csrf-token" on every change' }),
});

export const CsrfToken = Type.Object({ csrfToken: Type.String() });

export const PasswordChange = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 200 }),
    newPassword: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
