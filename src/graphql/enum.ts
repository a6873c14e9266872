import { registerEnumType } from 'type-graphql';

/** Registers a GraphQL enum whose values are the strings of a `const` tuple (domain code stays enum-free). */
export function registerStringEnum<T extends string>(values: readonly T[], name: string, description: string): Record<T, T> {
  const enumObject = Object.fromEntries(values.map((value) => [value, value])) as Record<T, T>;
  registerEnumType(enumObject, { name, description });
  return enumObject;
}
