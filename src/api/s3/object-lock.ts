// S3 object lock: the bucket's configuration (enabled, default retention), a version's retention
// and legal hold, their XML documents and headers, and the rules that decide whether a locked
// version may be deleted or its retention changed. The owner target applies the rules under the
// object's write lock (retention and legal hold live in the object record).
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { StoreError } from '../../errors/index.js';
import { childText, malformedXml, type XmlRecord } from './xml/xml-codec.js';

export type S3RetentionMode = 'GOVERNANCE' | 'COMPLIANCE';

/** A version's retention: not deletable before `untilMs` (GOVERNANCE: unless bypassed). */
export interface S3Retention {
  mode: S3RetentionMode;
  untilMs: number;
}

/** The lock of one version, or asked for by a write (each absent when not set). */
export interface S3ObjectLock {
  retention?: S3Retention | undefined;
  legalHold?: boolean | undefined;
}

/** A bucket's default retention of new versions: a number of days or of years. */
export interface S3ObjectLockRule {
  mode: S3RetentionMode;
  days?: number;
  years?: number;
}

/** The object lock configuration of a bucket that has object lock enabled. */
export interface S3ObjectLockConfig {
  rule?: S3ObjectLockRule | undefined;
}

const dayMs = 24 * 60 * 60 * 1000;
/** AWS's limits of a default retention period. */
const maxDays = 36_500;
const maxYears = 100;

export const bypassGovernanceHeader = 'x-amz-bypass-governance-retention';

function isMode(value: string | undefined): value is S3RetentionMode {
  return value === 'GOVERNANCE' || value === 'COMPLIANCE';
}

function first(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim();
}

/** `x-amz-bypass-governance-retention: true`. */
export function bypassesGovernance(headers: IncomingHttpHeaders): boolean {
  return first(headers, bypassGovernanceHeader)?.toLowerCase() === 'true';
}

/** A retain-until date: ISO 8601, in the future. */
function parseUntil(text: string, nowMs: number): number {
  const untilMs = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(untilMs)) {
    throw new StoreError(
      'InvalidArgument',
      'The retain until date must be provided in ISO 8601 format',
    );
  }
  if (untilMs <= nowMs)
    throw new StoreError('InvalidArgument', 'The retain until date must be in the future!');
  return untilMs;
}

function parseLegalHoldStatus(text: string | undefined, malformed: () => StoreError): boolean {
  if (text === 'ON') return true;
  if (text === 'OFF') return false;
  throw malformed();
}

/** The lock a PUT, copy or multipart upload asks for in `x-amz-object-lock-*` headers. */
export function parseLockHeaders(
  headers: IncomingHttpHeaders,
  nowMs: number,
): S3ObjectLock | undefined {
  const mode = first(headers, 'x-amz-object-lock-mode');
  const until = first(headers, 'x-amz-object-lock-retain-until-date');
  const hold = first(headers, 'x-amz-object-lock-legal-hold');
  if (mode === undefined && until === undefined && hold === undefined) return undefined;
  const lock: S3ObjectLock = {};
  if (mode !== undefined || until !== undefined) {
    if (mode === undefined || until === undefined) {
      throw new StoreError(
        'InvalidArgument',
        'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
      );
    }
    if (!isMode(mode)) throw new StoreError('InvalidArgument', 'Unknown wormMode directive.');
    lock.retention = { mode, untilMs: parseUntil(until, nowMs) };
  }
  if (hold !== undefined) {
    lock.legalHold = parseLegalHoldStatus(
      hold,
      () => new StoreError('InvalidArgument', 'Legal Hold must be either of ON or OFF'),
    );
  }
  return lock;
}

/** `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</...><Rule><DefaultRetention>...` */
export function parseLockConfiguration(document: XmlRecord): S3ObjectLockConfig {
  if (childText(document, 'ObjectLockEnabled') !== 'Enabled')
    throw malformedXml('ObjectLockEnabled must be Enabled');
  const rule = document.Rule;
  if (rule === undefined) return {};
  if (typeof rule !== 'object' || Array.isArray(rule))
    throw malformedXml('Rule must hold elements');
  const retention = rule.DefaultRetention;
  if (retention === undefined || typeof retention !== 'object' || Array.isArray(retention))
    throw malformedXml('Rule needs a DefaultRetention');
  const mode = childText(retention, 'Mode');
  if (!isMode(mode)) throw malformedXml('DefaultRetention needs a Mode: GOVERNANCE or COMPLIANCE');
  const days = childText(retention, 'Days');
  const years = childText(retention, 'Years');
  if ((days === undefined) === (years === undefined))
    throw malformedXml('DefaultRetention needs either Days or Years');
  const period = Number(days ?? years);
  if (!/^-?\d+$/.test(days ?? years ?? '') || period <= 0) {
    throw new StoreError(
      'InvalidArgument',
      'Default retention period must be a positive integer value.',
    );
  }
  if (period > (days === undefined ? maxYears : maxDays))
    throw new StoreError('InvalidArgument', 'Default retention period too large.');
  return { rule: days === undefined ? { mode, years: period } : { mode, days: period } };
}

/** The ObjectLockConfiguration document of a lock-enabled bucket. */
export function lockConfigurationXml(config: S3ObjectLockConfig): Record<string, unknown> {
  const { rule } = config;
  if (rule === undefined) return { ObjectLockEnabled: 'Enabled' };
  const period = rule.days === undefined ? { Years: rule.years } : { Days: rule.days };
  return {
    ObjectLockEnabled: 'Enabled',
    Rule: { DefaultRetention: { Mode: rule.mode, ...period } },
  };
}

/** `<Retention><Mode/><RetainUntilDate/></Retention>`; empty: no retention (its removal). */
export function parseRetention(document: XmlRecord, nowMs: number): S3Retention | undefined {
  const mode = childText(document, 'Mode');
  const until = childText(document, 'RetainUntilDate');
  if (mode === undefined && until === undefined) return undefined;
  if (!isMode(mode) || until === undefined)
    throw malformedXml('Retention needs a Mode (GOVERNANCE or COMPLIANCE) and a RetainUntilDate');
  return { mode, untilMs: parseUntil(until, nowMs) };
}

/** `<LegalHold><Status>ON|OFF</Status></LegalHold>` */
export function parseLegalHold(document: XmlRecord): boolean {
  return parseLegalHoldStatus(childText(document, 'Status'), () =>
    malformedXml('LegalHold Status must be ON or OFF'),
  );
}

/** The retention a bucket's default rule gives a version written at `nowMs`. */
export function defaultRetention(rule: S3ObjectLockRule, nowMs: number): S3Retention {
  if (rule.years !== undefined) {
    const until = new Date(nowMs);
    until.setUTCFullYear(until.getUTCFullYear() + rule.years);
    return { mode: rule.mode, untilMs: until.getTime() };
  }
  return { mode: rule.mode, untilMs: nowMs + (rule.days ?? 0) * dayMs };
}

function accessDenied(why: string): StoreError {
  return new StoreError('AccessDenied', `Access Denied because object protected by ${why}`);
}

/** Refuses (AccessDenied) deleting a version under legal hold or retention (GOVERNANCE: unless bypassed). */
export function checkDeletable(lock: S3ObjectLock, nowMs: number, bypassGovernance: boolean): void {
  if (lock.legalHold === true) throw accessDenied('object lock legal hold');
  const retention = lock.retention;
  if (retention === undefined || retention.untilMs <= nowMs) return;
  if (retention.mode === 'COMPLIANCE') throw accessDenied('COMPLIANCE object lock retention');
  if (!bypassGovernance) throw accessDenied('GOVERNANCE object lock retention');
}

/**
 * Refuses (AccessDenied) a retention change that weakens an active retention: COMPLIANCE may only
 * be extended; GOVERNANCE may be shortened, removed or changed only with the bypass.
 */
export function checkRetentionChange(
  current: S3Retention | undefined,
  next: S3Retention | undefined,
  nowMs: number,
  bypassGovernance: boolean,
): void {
  if (current === undefined || current.untilMs <= nowMs) return;
  const keepsOrExtends =
    next !== undefined &&
    next.untilMs >= current.untilMs &&
    (next.mode === current.mode || next.mode === 'COMPLIANCE');
  if (keepsOrExtends) return;
  if (current.mode === 'COMPLIANCE') throw accessDenied('COMPLIANCE object lock retention');
  if (!bypassGovernance) throw accessDenied('GOVERNANCE object lock retention');
}

/** GET/HEAD headers of a version's lock. */
export function setLockHeaders(res: ServerResponse, lock: S3ObjectLock): void {
  if (lock.retention !== undefined) {
    res.setHeader('x-amz-object-lock-mode', lock.retention.mode);
    res.setHeader(
      'x-amz-object-lock-retain-until-date',
      new Date(lock.retention.untilMs).toISOString(),
    );
  }
  if (lock.legalHold !== undefined)
    res.setHeader('x-amz-object-lock-legal-hold', lock.legalHold ? 'ON' : 'OFF');
}
