// Action values as AIStore decodes them (jsoniter): keys matched to the known fields
// case-insensitively, a null field left unset, a value of the wrong type or an unknown key refused
// with the decoder's words ("failed to unmarshal").
import { badRequest } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';

export type FieldType = 'string' | 'boolean';

/** The fields of `value` by their lower-case names; null or missing `value`: none. */
export function caselessFields<Name extends string>(
  value: unknown,
  fields: Readonly<Record<Name, FieldType>>,
  where: string,
): Partial<Record<Name, string | boolean>> {
  if (value === null || value === undefined) return {};
  const record = asRecord(value);
  if (record === undefined) throw badRequest(`${where}: failed to unmarshal: expected an object`);
  const parsed: Partial<Record<Name, string | boolean>> = {};
  for (const [key, item] of Object.entries(record)) {
    const name = key.toLowerCase();
    if (!Object.hasOwn(fields, name))
      throw badRequest(`${where}: failed to unmarshal: unknown field "${key}"`);
    const type = fields[name as Name];
    if (item === null) continue;
    if (typeof item !== type)
      throw badRequest(`${where}: failed to unmarshal: "${key}" must be a ${type}`);
    parsed[name as Name] = item as string | boolean;
  }
  return parsed;
}
