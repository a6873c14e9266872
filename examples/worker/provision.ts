import type { Credentials, GatewayClient } from './client';
import { errorCode } from './errors';
import {
  CreateProcessingServiceDocument,
  GenerateKeyDocument,
  LoginDocument,
  LogoutDocument,
  WhoAmIDocument,
} from './generated/graphql';
import { KeyFileError, readKeyFile, writeKeyFile, type StoredKey } from './key-file';

export interface ProvisionRequest {
  endpoint: string;
  email: string;
  password: string;
  serviceName: string;
  description: string;
  projectIds: readonly string[];
  keyFile: string;
}

export interface ProvisionedKey {
  credentials: Credentials;
  processingServiceId: string;
  prefix: string;
  /** How the key was obtained this time. */
  outcome: 'reused' | 'created' | 'rotated';
}

async function withSession<T>(
  client: GatewayClient,
  { email, password }: ProvisionRequest,
  signal: AbortSignal | undefined,
  work: (session: GatewayClient) => Promise<T>,
): Promise<T> {
  const { login } = await client.request(LoginDocument, { email, password }, { signal });
  const session = client.withCredentials({ scheme: 'Token', token: login.token });
  try {
    return await work(session);
  } finally {
    // The worker has no use for the session once it holds its own key.
    await session.request(LogoutDocument, {}, { signal }).catch(() => undefined);
  }
}

async function newKey(session: GatewayClient, processingServiceId: string, signal?: AbortSignal) {
  // Not resent after a timeout: a second call would revoke the key the first one returned.
  const { generateKey } = await session.request(GenerateKeyDocument, { processingServiceId }, { idempotent: false, signal });
  return generateKey;
}

async function store(request: ProvisionRequest, processingServiceId: string, key: { key: string; apiKey: { prefix: string } }) {
  const stored: StoredKey = {
    endpoint: request.endpoint,
    processingServiceId,
    prefix: key.apiKey.prefix,
    key: key.key,
    createdAt: new Date().toISOString(),
  };
  await writeKeyFile(request.keyFile, stored);
  return stored;
}

/**
 * Local development: gets this worker a key with a developer's credentials. A key already in
 * the key file is reused (no second service); a stored key the gateway refuses (revoked,
 * expired) is replaced by a new key for the same service; with no key file the worker logs in,
 * creates its processing service in its projects, generates a key and stores it (mode 0600).
 */
export async function provisionKey(client: GatewayClient, request: ProvisionRequest, signal?: AbortSignal): Promise<ProvisionedKey> {
  const stored = await readKeyFile(request.keyFile);
  if (stored) {
    if (stored.endpoint !== request.endpoint) {
      throw new KeyFileError(`KEY_FILE ${request.keyFile} holds a key for ${stored.endpoint}, not ${request.endpoint}; use another KEY_FILE`);
    }
    const credentials: Credentials = { scheme: 'Api-Key', key: stored.key };
    try {
      const { viewer } = await client.withCredentials(credentials).request(WhoAmIDocument, {}, { signal });
      if (viewer.processingService?.id === stored.processingServiceId) {
        return { credentials, processingServiceId: stored.processingServiceId, prefix: stored.prefix, outcome: 'reused' };
      }
    } catch (error) {
      if (errorCode(error) !== 'UNAUTHENTICATED') throw error;
    }
  }

  const { key, outcome } = await withSession(client, request, signal, async (session) => {
    if (stored) {
      try {
        const rotated = await newKey(session, stored.processingServiceId, signal);
        return { key: await store(request, stored.processingServiceId, rotated), outcome: 'rotated' as const };
      } catch (error) {
        // The service is gone (e.g. a fresh development database): provision a new one.
        if (errorCode(error) !== 'NOT_FOUND') throw error;
      }
    }
    const { createProcessingService } = await session.request(
      CreateProcessingServiceDocument,
      { input: { name: request.serviceName, description: request.description, projectIds: [...request.projectIds] } },
      { idempotent: false, signal },
    );
    const created = await newKey(session, createProcessingService.id, signal);
    return { key: await store(request, createProcessingService.id, created), outcome: 'created' as const };
  });
  return { credentials: { scheme: 'Api-Key', key: key.key }, processingServiceId: key.processingServiceId, prefix: key.prefix, outcome };
}
