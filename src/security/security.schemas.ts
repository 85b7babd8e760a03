import { Type } from 'typebox';

import { ListOf, Nullable, Pagination, StringEnum, Timestamp } from '../platform/http/schemas.ts';

export const SECURITY_EVENT_KINDS = [
  'rate_limited',
  'address_blocked',
  'block_lifted',
  'sign_in_failed',
  'account_locked',
  'permission_denied',
  'admin_action',
] as const;

export const AddressBlockSchema = Type.Object(
  {
    address: Type.String(),
    blockedAt: Timestamp,
    until: Timestamp,
    rule: Type.String({ description: 'The rule whose refusals led to the block' }),
  },
  { $id: 'AddressBlock' },
);

export const AddressBlockList = ListOf(AddressBlockSchema);

export const AddressParams = Type.Object({
  // IPv4 or IPv6 as Fastify reports it (`request.ip`).
  address: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z.:%_-]+$' }),
});

export const SecurityEventSchema = Type.Object(
  {
    id: Type.Integer(),
    occurredAt: Timestamp,
    kind: StringEnum(SECURITY_EVENT_KINDS),
    address: Nullable(Type.String()),
    userId: Nullable(Type.Integer()),
    detail: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'SecurityEvent' },
);

export const SecurityEventList = ListOf(SecurityEventSchema);

export const SecurityEventQuery = Type.Object(
  { kind: Type.Optional(StringEnum(SECURITY_EVENT_KINDS)), ...Pagination },
  { additionalProperties: false },
);
