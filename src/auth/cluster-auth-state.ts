// What the AuthN service hands a cluster, and every node keeps (`<dir>/auth-state.json`): the
// revoked tokens (by digest, until they expire anyway) and the S3 access keys with their owners'
// permissions. One module owns the format.
import { z } from 'zod';
import { claimsSchema, type Permissions } from './claims.js';

const revokedSchema = z.object({
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  /** Unix seconds: after this the token is refused as expired anyway, and the entry is dropped. */
  expires: z.number().int(),
});

/** A user's email (optional, AuthN's `email`): S3 ACLs may grant to a user by it. */
export const userEmailSchema = z.email().max(254);

const s3KeySchema = z.object({
  access_key: z.string().min(3).max(128),
  secret_key: z.string().min(8).max(256),
  owner: claimsSchema,
  /** The owner's email, when it has one. */
  email: userEmailSchema.optional(),
});

export const clusterAuthStateSchema = z.object({
  revoked: z.array(revokedSchema).max(1_000_000).default([]),
  s3_keys: z.array(s3KeySchema).max(100_000).default([]),
});
export type ClusterAuthStateJson = z.input<typeof clusterAuthStateSchema>;
export type ClusterAuthState = z.output<typeof clusterAuthStateSchema>;

export interface S3Identity {
  readonly secretKey: string;
  readonly owner: Permissions;
  readonly email?: string | undefined;
}

/** Parses a pushed or stored state; undefined when malformed. */
export function parseClusterAuthState(raw: unknown): ClusterAuthState | undefined {
  const parsed = clusterAuthStateSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
