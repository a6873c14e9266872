import operations from './operations.graphql?raw';

/** One GraphQL error as the console shows it: a sentence, plus the code and the input field it names. */
export class ApiError extends Error {
  constructor(message: string, readonly code: string, readonly field?: string) {
    super(message);
  }
}

const TOKEN_KEY = 'ps-console.session';

/** The session token: in memory, mirrored in sessionStorage so that a reload keeps this tab signed in. */
let token: string | null = sessionStorage.getItem(TOKEN_KEY);

export function sessionToken(): string | null {
  return token;
}

export function setSessionToken(value: string | null): void {
  token = value;
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

const readableCodes: Record<string, string> = {
  UNAUTHENTICATED: 'Your session has ended: sign in again.',
  FORBIDDEN: 'You do not have the role this needs.',
  INTERNAL_SERVER_ERROR: 'The gateway could not do this; try again.',
};

function readable(error: { message?: string; extensions?: { code?: string; field?: string } }): ApiError {
  const code = error.extensions?.code ?? 'ERROR';
  const message = error.message && !/^Unexpected|^Internal/i.test(error.message) ? error.message : readableCodes[code] ?? 'Something went wrong.';
  return new ApiError(message, code, error.extensions?.field);
}

/** Runs one named operation of operations.graphql; throws an ApiError on any GraphQL or HTTP failure. */
export async function request<TData, TVariables extends object = Record<string, never>>(
  operationName: string,
  variables?: TVariables,
): Promise<TData> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
      body: JSON.stringify({ query: operations, operationName, variables: variables ?? {} }),
    });
  } catch {
    throw new ApiError('The gateway cannot be reached.', 'NETWORK');
  }
  if (response.status === 503) throw new ApiError('The gateway is unavailable for a moment; retrying.', 'UNAVAILABLE');
  if (response.status === 429) throw new ApiError('Too many requests; wait a moment.', 'RATE_LIMITED');
  let body: { data?: TData; errors?: { message?: string; extensions?: { code?: string; field?: string } }[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The gateway answered HTTP ${response.status}.`, 'HTTP');
  }
  // A field the viewer may not see comes back null with FORBIDDEN; the rest of the answer stands.
  const partial = body.data && body.errors?.every((error) => error.extensions?.code === 'FORBIDDEN');
  if (body.errors?.length && !partial) {
    const error = readable(body.errors[0]);
    if (error.code === 'UNAUTHENTICATED') setSessionToken(null);
    throw error;
  }
  if (!body.data) throw new ApiError(`The gateway answered HTTP ${response.status}.`, 'HTTP');
  return body.data;
}
