import { z } from 'zod';
import { ProfileFileSchema } from './schema.js';

/** JSON Schema (draft 2020-12) of the profile file format, for editors and CI linters. */
export function profileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ProfileFileSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return { $id: 'https://ccbox.dev/schema/profile.json', title: 'ccbox profile', ...schema };
}
