import { describe, expect, it } from 'vitest';
import { loadWorkerSettings, WorkerSettingsError } from '../../examples/worker/settings';

const base = { GATEWAY_URL: 'http://127.0.0.1:4000', PROJECT_IDS: '4, 9', PS_API_KEY: 'psk_abc.def' };

function refusal(env: Record<string, string>): string {
  try {
    loadWorkerSettings(env, 'host-1');
  } catch (error) {
    expect(error).toBeInstanceOf(WorkerSettingsError);
    return (error as Error).message;
  }
  throw new Error('expected the settings to be refused');
}

describe('valid settings', () => {
  it('reads a key-holding worker, with defaults and /graphql added to a bare host URL', () => {
    expect(loadWorkerSettings(base, 'host-1')).toEqual({
      endpoint: 'http://127.0.0.1:4000/graphql',
      projectIds: ['4', '9'],
      credentials: { kind: 'api-key', apiKey: 'psk_abc.def' },
      heartbeatIntervalSeconds: 20,
      requestTimeoutMs: 10_000,
      maxAttempts: 5,
      batchSize: 24,
    });
  });

  it('reads a self-provisioning worker, naming its service after the host by default', () => {
    const settings = loadWorkerSettings(
      { GATEWAY_URL: 'https://gw.example.org/api/graphql', PROJECT_IDS: '4', GATEWAY_EMAIL: 'dev@example.org', GATEWAY_PASSWORD: 'pw-1234567890', KEY_FILE: '/tmp/k.json', HEARTBEAT_INTERVAL_SECONDS: '5' },
      'host-1',
    );
    expect(settings.endpoint).toBe('https://gw.example.org/api/graphql');
    expect(settings.heartbeatIntervalSeconds).toBe(5);
    expect(settings.credentials).toEqual({
      kind: 'provision',
      email: 'dev@example.org',
      password: 'pw-1234567890',
      serviceName: 'example worker on host-1',
      keyFile: '/tmp/k.json',
    });
  });
});

describe('bad settings get one line naming the variable', () => {
  it.each([
    [{ ...base, GATEWAY_URL: '' }, 'GATEWAY_URL is required'],
    [{ ...base, GATEWAY_URL: 'ftp://gw' }, 'GATEWAY_URL must be an http(s) URL'],
    [{ ...base, PROJECT_IDS: '4,x' }, 'PROJECT_IDS must be a comma-separated list of positive integer ids'],
    [{ ...base, PROJECT_IDS: ' , ' }, 'PROJECT_IDS must list at least one project id'],
    [{ ...base, REQUEST_TIMEOUT_MS: 'soon' }, 'REQUEST_TIMEOUT_MS must be a whole number from 100 to 300000'],
    [{ ...base, HEARTBEAT_INTERVAL_SECONDS: '0' }, 'HEARTBEAT_INTERVAL_SECONDS must be a whole number from 1 to 3600'],
    [{ ...base, PS_API_KEY: '' }, 'PS_API_KEY is required (or GATEWAY_EMAIL and GATEWAY_PASSWORD to self-provision)'],
    [{ ...base, PS_API_KEY: '', GATEWAY_EMAIL: 'dev@example.org' }, 'GATEWAY_EMAIL and GATEWAY_PASSWORD must be set together'],
    [{ ...base, GATEWAY_EMAIL: 'dev@example.org', GATEWAY_PASSWORD: 'pw-1234567890' }, 'set either PS_API_KEY or GATEWAY_EMAIL'],
  ])('%o', (env, expected) => {
    const message = refusal(env);
    expect(message).toContain(expected);
    expect(message).not.toContain('\n');
  });

  it('never echoes a secret value', () => {
    const message = refusal({ ...base, GATEWAY_EMAIL: 'dev@example.org', GATEWAY_PASSWORD: 'hunter2-very-secret' });
    expect(message).not.toContain('hunter2-very-secret');
    expect(message).not.toContain('psk_abc.def');
  });
});
