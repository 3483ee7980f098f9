import type { z } from 'zod';
import { ProfileFileSchema } from './schema.js';

/** Walks of the profile schema by field path: which keys an object takes, whether a field exists. */

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as z.ZodType & { unwrap?: () => z.ZodType };
  while (typeof s.unwrap === 'function') s = s.unwrap();
  return s;
}

const shapeOf = (schema: z.ZodType): Record<string, z.ZodType> | undefined =>
  (unwrap(schema) as { shape?: Record<string, z.ZodType> }).shape;

/** The schema of the field at `path`, or undefined when there is no such field. */
export function schemaAt(path: readonly PropertyKey[]): z.ZodType | undefined {
  let schema: z.ZodType = ProfileFileSchema;
  for (const key of path) {
    const next = typeof key === 'string' ? shapeOf(schema)?.[key] : undefined;
    if (next === undefined) return undefined;
    schema = next;
  }
  return schema;
}

/** The keys the object at `path` accepts, for "unknown key" messages. */
export function allowedKeys(path: readonly PropertyKey[]): string {
  const schema = schemaAt(path);
  const shape = schema ? shapeOf(schema) : undefined;
  return shape ? Object.keys(shape).join(', ') : 'see `ccbox profiles schema`';
}
