/**
 * The values of a generated Prisma enum (lib/db/generated/enums), in schema order, as a non-empty
 * tuple so zod's `z.enum` and `as const` lists accept it. Lists of enum values are derived with this
 * instead of being copied by hand from prisma/schema.prisma. Client-safe: no Prisma runtime.
 */
export function enumValues<E extends Record<string, string>>(generated: E): readonly [E[keyof E], ...E[keyof E][]] {
  return Object.values(generated) as [E[keyof E], ...E[keyof E][]];
}
