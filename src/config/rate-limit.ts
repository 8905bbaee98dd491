// Rate limits (AIStore's `rate_limit`): the cluster config holds the defaults, and every bucket a
// copy of its own in its props (`rate_limit.frontend|backend.*`). One schema validates both.
import { z } from 'zod';
import { parseGoDuration } from './go-duration.js';

/** Operations a limit can single out in `per_op_max_tokens` ("get:5000 delete:1000"). */
export const rateLimitedVerbs = ['get', 'put', 'delete'] as const;
export type RateLimitedVerb = (typeof rateLimitedVerbs)[number];

const minIntervalMs = 1000;
const maxIntervalMs = 3_600_000;

/**
 * `per_op_max_tokens` as a map, or a description of what is wrong with it. The list is
 * space-separated `verb:n` items, case-insensitive; empty means none.
 */
export function parsePerOpMaxTokens(
  text: string,
): Map<RateLimitedVerb, number> | { problem: string } {
  const limits = new Map<RateLimitedVerb, number>();
  for (const item of text.trim().split(/\s+/).filter(Boolean)) {
    const match = /^([a-z]+):(\d+)$/i.exec(item);
    const verb = match?.[1]?.toLowerCase() as RateLimitedVerb | undefined;
    const count = Number(match?.[2]);
    if (verb === undefined || !rateLimitedVerbs.includes(verb) || !(count >= 1))
      return { problem: `"${item}" is not <${rateLimitedVerbs.join('|')}>:<tokens>` };
    limits.set(verb, count);
  }
  return limits;
}

/** Milliseconds of an `interval` text, undefined when it is not a Go duration. */
export function intervalMs(text: string): number | undefined {
  try {
    return parseGoDuration(text, 'interval');
  } catch {
    return undefined;
  }
}

const interval = z
  .string()
  .refine((text) => {
    const ms = intervalMs(text);
    return ms !== undefined && ms >= minIntervalMs && ms <= maxIntervalMs;
  }, 'must be a duration from 1s to 1h (e.g. "10s", "1m")')
  .default('1m');

const perOpMaxTokens = z
  .string()
  .max(200)
  .superRefine((text, context) => {
    const parsed = parsePerOpMaxTokens(text);
    if ('problem' in parsed) context.addIssue({ code: 'custom', message: parsed.problem });
  })
  .default('');

const maxTokens = z.number().int().min(1).max(1_000_000_000).default(1000);

/** Client-facing limit, enforced by each gateway for its share of the bucket's traffic. */
export const frontendRateLimitSchema = z
  .object({
    enabled: z.boolean().default(false),
    interval,
    max_tokens: maxTokens,
    /** Requests a gateway admits at once above the steady rate (> 0, at most half of max_tokens). */
    burst_size: z.number().int().min(1).default(375),
    per_op_max_tokens: perOpMaxTokens,
  })
  .strict()
  .refine((limit) => limit.burst_size <= limit.max_tokens / 2, {
    message: 'burst_size must be at most half of max_tokens',
    path: ['burst_size'],
  });

/** Calls to a remote backend, shaped by each target for its share, retried on 429 and 503. */
export const backendRateLimitSchema = z
  .object({
    enabled: z.boolean().default(false),
    interval,
    max_tokens: maxTokens,
    num_retries: z.number().int().min(1).max(10).default(3),
    per_op_max_tokens: perOpMaxTokens,
  })
  .strict();

export const rateLimitSchema = z
  .object({
    backend: backendRateLimitSchema.prefault({}),
    frontend: frontendRateLimitSchema.prefault({}),
  })
  .strict();

export type RateLimitValues = z.output<typeof rateLimitSchema>;

/** Validates limits (filling defaults): undefined when valid, else what is wrong, by key. */
export function rateLimitProblem(raw: unknown): string | undefined {
  const parsed = rateLimitSchema.safeParse(raw);
  if (parsed.success) return undefined;
  return parsed.error.issues
    .map((issue) => `rate_limit.${issue.path.join('.')}: ${issue.message}`)
    .join('; ');
}
