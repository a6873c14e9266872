import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config';

function configErrorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('a bad value stops start-up with one line naming the variable', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ ADMIN_EMAIL: 'admin@example.org' }, 'ADMIN'],
    [{ ADMIN_EMAIL: 'not-an-email', ADMIN_PASSWORD: 'long-enough-password' }, 'ADMIN_EMAIL'],
    [{ BODY_LIMIT_BYTES: '10' }, 'BODY_LIMIT_BYTES'],
    [{ SESSION_TTL_SECONDS: '0' }, 'SESSION_TTL_SECONDS'],
  ])('%j', (env, variable) => {
    const error = configErrorFor(env);
    expect(error.message).toMatch(/^Invalid configuration: /);
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain('\n');
  });

  it.each(['abc', '70000', '-1', '4000.5'])('PORT=%s names the value given and what a port must be, not "NaN"', (port) => {
    expect(configErrorFor({ PORT: port }).message).toBe(`Invalid configuration: PORT="${port}": must be a port number from 0 to 65535`);
  });

  it('shows a long value cut, on one line', () => {
    const message = configErrorFor({ LOG_LEVEL: `${'x'.repeat(200)}\nmore` }).message;
    expect(message.startsWith(`Invalid configuration: LOG_LEVEL="${'x'.repeat(80)}…": `)).toBe(true);
    expect(message).not.toContain('\n');
    expect(configErrorFor({ LOG_LEVEL: 'loud\nquiet' }).message).toContain('LOG_LEVEL="loud\\nquiet"');
  });

  it('never echoes a password value', () => {
    const secret = 'short-pw';
    for (const env of <Record<string, string>[]>[
      { ADMIN_PASSWORD: secret },
      { ADMIN_EMAIL: 'admin@example.org', ADMIN_PASSWORD: secret },
      { ADMIN_EMAIL: 'oops', ADMIN_PASSWORD: `${secret}-but-long-enough` },
    ]) {
      const error = configErrorFor(env);
      expect(error.message).toMatch(/ADMIN_/);
      expect(error.message).not.toContain(secret);
    }
  });

  it('never echoes credentials in DATABASE_URL', () => {
    const error = configErrorFor({ DATABASE_URL: 'mysql://root:s3cret-db-pw@db/app' });
    expect(error.message).not.toContain('s3cret-db-pw');
  });
});

describe('defaults', () => {
  it('listens on loopback port 4000 with the embedded database under ./data', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 4000,
      LOG_LEVEL: 'info',
      DATA_DIR: './data',
      TRUST_PROXY: [],
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.ADMIN_EMAIL).toBeUndefined();
  });

  it('treats empty variables as unset and splits TRUST_PROXY', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', TRUST_PROXY: '10.0.0.1, 10.0.0.0/8 ,' });
    expect(config.PORT).toBe(4000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TRUST_PROXY).toEqual(['10.0.0.1', '10.0.0.0/8']);
  });
});

describe('.env.example', () => {
  it('documents every variable with its real default', async () => {
    const text = await readFile(path.join(__dirname, '../../.env.example'), 'utf8');
    const documented = Object.fromEntries(
      text
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(Object.keys(documented).sort()).toEqual(Object.keys(loadConfig({})).sort().concat(['ADMIN_EMAIL', 'ADMIN_PASSWORD', 'DATABASE_URL']).sort());
    expect(loadConfig(documented)).toEqual(loadConfig({}));
  });
});
