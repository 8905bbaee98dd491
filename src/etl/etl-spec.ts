// The init message (AIStore's ETLSpecMsg) checked and made ready to run: name rule, communication
// (`hpush://`, `hpull://`, Cairn's `io://`), defaults (45s init, 10s per object), the argv that
// runs (the command as given, or the launcher of its image from the cluster config).
import type { ClusterConfigValues } from '../config/index.js';
import { badRequest, notImplemented } from '../errors/index.js';
import { asRecord } from '../util/json.js';
import { etlNamePattern, type EtlEnvJson, type EtlInitMsgJson } from '../wire/index.js';
import { formatGoDuration, parseGoDuration } from '../config/index.js';

export type Communication = 'hpush' | 'hpull' | 'io';

/** What a target needs to run one ETL. */
export interface EtlSpec {
  name: string;
  communication: Communication;
  argv: string[];
  env: Record<string, string>;
  initTimeoutMs: number;
  objTimeoutMs: number;
  supportDirectPut: boolean;
}

const defaultInitTimeout = '45s';
const defaultObjTimeout = '10s';
const communications: readonly Communication[] = ['hpush', 'hpull', 'io'];

/** Checks an init message and returns it as stored (`init_msg`: durations as strings). */
export function normalizeInitMessage(
  body: unknown,
  runtimes: ClusterConfigValues['etl']['runtimes'],
): EtlInitMsgJson {
  const record = asRecord(body);
  if (record === undefined) throw badRequest('ETL init: expected a JSON object (ETLSpecMsg)');
  if (record.spec !== undefined)
    throw notImplemented('ETL init from a Kubernetes pod spec (InitSpecMsg "spec")');
  const name = stringField(record, 'name');
  if (!etlNamePattern.test(name)) {
    throw badRequest(
      `ETL name "${name}" is invalid: 6-32 characters of [a-z0-9-], starting and ending with a letter or digit`,
    );
  }
  const communication = (stringField(record, 'communication', 'hpush://') || 'hpush://')
    .toLowerCase()
    .replace(/(:\/\/)?$/, '://');
  const kind = communication.slice(0, -3);
  if (kind === 'ws') throw notImplemented('ETL communication "ws://" (WebSocket)');
  if (!(communications as readonly string[]).includes(kind)) {
    throw badRequest(
      `ETL "${name}": unknown communication "${communication}" (expecting hpush://, hpull:// or io://)`,
    );
  }
  const runtime = asRecord(record.runtime ?? {});
  if (runtime === undefined) throw badRequest(`ETL "${name}": runtime must be an object`);
  const image = stringField(runtime, 'image');
  const command = stringList(runtime.command, `ETL "${name}": runtime.command`);
  if (command.length === 0 && image === '')
    throw badRequest(`ETL "${name}": runtime.command or runtime.image is required`);
  if (command.length === 0 && !Object.hasOwn(runtimes, image)) {
    throw badRequest(
      `ETL "${name}": runtime image "${image}" has no local launcher (cluster config etl.runtimes) and no command was given`,
    );
  }
  const initTimeout = stringField(record, 'init_timeout', defaultInitTimeout) || defaultInitTimeout;
  const objTimeout = stringField(record, 'obj_timeout', defaultObjTimeout) || defaultObjTimeout;
  const stored: EtlInitMsgJson = {
    name,
    communication,
    init_timeout: formatGoDuration(parseGoDuration(initTimeout, 'init_timeout')),
    obj_timeout: formatGoDuration(parseGoDuration(objTimeout, 'obj_timeout')),
    support_direct_put: record.support_direct_put === true,
    runtime: {
      ...(image === '' ? {} : { image }),
      ...(command.length === 0 ? {} : { command }),
      ...envOf(runtime.env, `ETL "${name}": runtime.env`),
    },
    ...envOf(record.env, `ETL "${name}": env`),
  };
  return stored;
}

/** The spec of a stored init message (the cluster config gives images their launchers). */
export function specOf(
  message: EtlInitMsgJson,
  runtimes: ClusterConfigValues['etl']['runtimes'],
): EtlSpec {
  const command = message.runtime.command ?? [];
  const argv = command.length > 0 ? command : (runtimes[message.runtime.image ?? ''] ?? []);
  if (argv.length === 0) {
    throw badRequest(
      `ETL "${message.name}": runtime image "${message.runtime.image ?? ''}" has no local launcher`,
    );
  }
  const env: Record<string, string> = {};
  for (const entry of [...(message.runtime.env ?? []), ...(message.env ?? [])])
    env[entry.name] = entry.value;
  return {
    name: message.name,
    communication: message.communication.slice(0, -3) as Communication,
    argv: [...argv],
    env,
    initTimeoutMs: parseGoDuration(message.init_timeout, 'init_timeout'),
    objTimeoutMs: parseGoDuration(message.obj_timeout, 'obj_timeout'),
    supportDirectPut: message.support_direct_put,
  };
}

function stringField(record: Record<string, unknown>, key: string, fallback = ''): string {
  const value = record[key] ?? fallback;
  if (typeof value !== 'string') throw badRequest(`ETL init: "${key}" must be a string`);
  return value;
}

function stringList(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw badRequest(`${what} must be a list of strings`);
  return value;
}

/** `{env: [...]}` when the list has entries (Kubernetes EnvVar `{name, value}`). */
function envOf(value: unknown, what: string): { env?: EtlEnvJson[] } {
  if (value === undefined || value === null) return {};
  if (!Array.isArray(value)) throw badRequest(`${what} must be a list of {name, value}`);
  const env = value.map((item: unknown) => {
    const entry = asRecord(item);
    if (typeof entry?.name !== 'string' || entry.name === '' || /[=\0]/.test(entry.name))
      throw badRequest(`${what}: every entry needs a valid "name"`);
    const text = entry.value ?? '';
    if (typeof text !== 'string')
      throw badRequest(`${what}: "${entry.name}" value must be a string`);
    return { name: entry.name, value: text };
  });
  return env.length === 0 ? {} : { env };
}
