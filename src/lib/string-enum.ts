import { Type } from '@sinclair/typebox';

/** A string enum as JSON Schema `enum` (TypeBox unions of literals would report "must be equal to constant"). */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
