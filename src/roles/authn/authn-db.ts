// The AuthN service's records: users (scrypt password hashes only), roles, registered clusters,
// S3 keys and revoked tokens, in one JSON file (`<dir>/authn.db.json`, mode 0600) replaced
// atomically on every change, one change at a time.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import {
  accessAll,
  accessReadOnly,
  accessReadWrite,
  bucketAclSchema,
  clusterAclSchema,
  hashPassword,
  unionAccess,
  userEmailSchema,
  type BucketAcl,
  type ClusterAcl,
  type Permissions,
} from '../../auth/index.js';
import { StoreError } from '../../errors/index.js';
import { writeFileAtomically } from '../../util/atomic-file.js';
import { SerialQueue } from '../../util/serial-queue.js';

/** AIStore's built-in role of full access. */
export const adminRole = 'Admin';

const nameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.@-]+$/, 'letters, digits, and _ . @ - only');

const userSchema = z.object({
  id: nameSchema,
  password_hash: z.string(),
  /** Optional; unique among users (case-insensitive). S3 ACLs may grant to a user by it. */
  email: userEmailSchema.optional(),
  roles: z.array(z.string()).default([]),
  clusters: z.array(clusterAclSchema).default([]),
  buckets: z.array(bucketAclSchema).default([]),
});
export type UserRecord = z.output<typeof userSchema>;

const roleSchema = z.object({
  name: nameSchema,
  desc: z.string().max(1000).default(''),
  roles: z.array(z.string()).default([]),
  clusters: z.array(clusterAclSchema).default([]),
  buckets: z.array(bucketAclSchema).default([]),
  admin: z.boolean().default(false),
});
export type RoleRecord = z.output<typeof roleSchema>;

const s3KeyRecordSchema = z.object({
  access_key: z.string(),
  secret_key: z.string(),
  user: z.string(),
});

const dbSchema = z.object({
  users: z.record(z.string(), userSchema).default({}),
  roles: z.record(z.string(), roleSchema).default({}),
  clusters: z.record(z.string(), clusterAclSchema).default({}),
  s3_keys: z.array(s3KeyRecordSchema).default([]),
  revoked: z.array(z.object({ digest: z.string(), expires: z.number() })).default([]),
});
export type AuthnData = z.output<typeof dbSchema>;

const fileName = 'authn.db.json';

export class AuthnDb {
  readonly #queue = new SerialQueue();

  private constructor(
    private readonly dir: string,
    public data: AuthnData,
  ) {}

  /** Opens the file, or starts one with the admin user (needs its password on first start). */
  static async open(
    dir: string,
    admin: { name: string; password: string | undefined },
  ): Promise<AuthnDb> {
    let text: string | undefined;
    try {
      text = await readFile(join(dir, fileName), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) return new AuthnDb(dir, dbSchema.parse(JSON.parse(text)));
    if (admin.password === undefined || admin.password === '') {
      throw new StoreError(
        'BadRequest',
        "first start: set CAIRN_AUTHN_ADMIN_PASSWORD (the initial admin user's password)",
      );
    }
    const db = new AuthnDb(dir, dbSchema.parse({}));
    db.data.roles[adminRole] = roleSchema.parse({
      name: adminRole,
      desc: 'full access to every cluster',
      admin: true,
    });
    db.data.users[admin.name] = {
      id: admin.name,
      password_hash: await hashPassword(admin.password),
      roles: [adminRole],
      clusters: [],
      buckets: [],
    };
    await db.save();
    return db;
  }

  /** Runs `change` on the data and saves, one change at a time. */
  update<T>(change: (data: AuthnData) => Promise<T> | T): Promise<T> {
    return this.#queue.run(async () => {
      const result = await change(this.data);
      await this.save();
      return result;
    });
  }

  save(): Promise<void> {
    return writeFileAtomically(
      join(this.dir, fileName),
      JSON.stringify(this.data, null, 1),
      undefined,
      0o600,
    );
  }

  /** A user's effective permissions: its own ACLs plus those of its roles (and theirs). */
  permissionsOf(user: UserRecord): Permissions {
    let admin = false;
    const clusters: ClusterAcl[] = [...user.clusters];
    const buckets: BucketAcl[] = [...user.buckets];
    const seen = new Set<string>();
    const visit = (names: readonly string[]): void => {
      for (const name of names) {
        const role = this.data.roles[name];
        if (role === undefined || seen.has(name)) continue;
        seen.add(name);
        admin ||= role.admin;
        clusters.push(...role.clusters);
        buckets.push(...role.buckets);
        visit(role.roles);
      }
    };
    visit(user.roles);
    return {
      username: user.id,
      admin,
      clusters: mergeClusters(clusters),
      buckets: mergeBuckets(buckets),
    };
  }

  /** Refuses an email another user than `id` already has (emails name one user each). */
  static checkEmailFree(data: AuthnData, id: string, email: string | undefined): void {
    if (email === undefined) return;
    const wanted = email.toLowerCase();
    const holder = Object.values(data.users).find(
      (user) => user.id !== id && user.email?.toLowerCase() === wanted,
    );
    if (holder !== undefined)
      throw new StoreError('Conflict', `user "${holder.id}" already has the email "${email}"`);
  }

  /** AIStore's per-cluster roles, made when a cluster is registered. */
  static clusterRoles(cluster: ClusterAcl): RoleRecord[] {
    const label = cluster.alias !== undefined && cluster.alias !== '' ? cluster.alias : cluster.id;
    const role = (name: string, desc: string, perm: number): RoleRecord =>
      roleSchema.parse({
        name: `${name}-${label}`,
        desc,
        clusters: [{ id: cluster.id, perm: String(perm) }],
      });
    return [
      role('ClusterOwner', `full access to cluster ${label}`, accessAll),
      role('BucketOwner', `read-write access to the buckets of cluster ${label}`, accessReadWrite),
      role('Guest', `read-only access to the buckets of cluster ${label}`, accessReadOnly),
    ];
  }

  static parseUser(raw: unknown): z.output<typeof userInputSchema> {
    return parseOrBadRequest(userInputSchema, raw, 'user');
  }

  static parseRole(raw: unknown): RoleRecord {
    return parseOrBadRequest(roleSchema, raw, 'role');
  }

  static parseCluster(raw: unknown): ClusterAcl {
    return parseOrBadRequest(clusterAclSchema, raw, 'cluster');
  }

  static newS3Key(): { access_key: string; secret_key: string } {
    return {
      access_key: `CK${randomBytes(9).toString('hex').toUpperCase()}`,
      secret_key: randomBytes(30).toString('base64url'),
    };
  }
}

/** A user as AIStore's clients send it (`pass` in clear, hashed at once). */
const userInputSchema = z.object({
  id: nameSchema.optional(),
  pass: z.string().min(1).max(1024).optional(),
  /** `""` removes a user's email (PUT). */
  email: userEmailSchema.or(z.literal('')).optional(),
  roles: z.array(z.string()).optional(),
  clusters: z.array(clusterAclSchema).nullable().optional(),
  buckets: z.array(bucketAclSchema).nullable().optional(),
});

function parseOrBadRequest<T extends z.ZodType>(
  schema: T,
  raw: unknown,
  what: string,
): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new StoreError('BadRequest', `invalid ${what}: ${issues.join('; ')}`);
  }
  return parsed.data;
}

function mergeClusters(acls: readonly ClusterAcl[]): ClusterAcl[] {
  const byId = new Map<string, number>();
  for (const acl of acls) byId.set(acl.id, unionAccess(byId.get(acl.id) ?? 0, acl.perm ?? 0));
  return [...byId].map(([id, perm]) => ({ id, perm }));
}

function mergeBuckets(acls: readonly BucketAcl[]): BucketAcl[] {
  const byKey = new Map<string, BucketAcl>();
  for (const acl of acls) {
    const key = JSON.stringify([
      acl.bck.provider ?? 'ais',
      acl.bck.namespace?.name ?? '',
      acl.bck.name,
    ]);
    const known = byKey.get(key);
    byKey.set(
      key,
      known === undefined ? acl : { bck: acl.bck, perm: unionAccess(known.perm, acl.perm) },
    );
  }
  return [...byKey.values()];
}
