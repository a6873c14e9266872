import { ValidationError } from './errors';

const MAX_ID = 2_147_483_647;

/** Parses a GraphQL `ID` into a table id; anything but a positive 32-bit integer is bad input. */
export function parseId(value: string | number, path = 'id'): number {
  const text = String(value);
  if (!/^[1-9][0-9]{0,9}$/.test(text) || Number(text) > MAX_ID) {
    throw new ValidationError('must be a positive integer id', path);
  }
  return Number(text);
}
