import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointRefusedError, EndpointUnreachableError, OutboundHttp, type OutboundPolicy, type Resolver } from '../../src/core/outbound-http';
import { startPushEndpoint, type PushEndpoint } from '../support/push-endpoint';

const get = { method: 'GET', timeoutMs: 2_000, maxResponseBytes: 1024 * 1024 } as const;
const policy: OutboundPolicy = { allowedNetworks: ['127.0.0.1'], deniedNetworks: [], connectTimeoutMs: 1_000 };

describe('outbound calls to user-supplied endpoints', () => {
  let endpoint: PushEndpoint;
  const clients: OutboundHttp[] = [];
  const client = (options = policy, resolver?: Resolver) => {
    const created = new OutboundHttp(options, resolver);
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    endpoint = await startPushEndpoint([{ slug: 'moths' }]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((created) => created.close()));
    await endpoint.close();
  });

  describe('refused before any connection', () => {
    it.each([
      ['cloud metadata (link-local)', 'http://169.254.169.254/latest/meta-data/'],
      ['loopback not in the allowlist', 'http://127.0.0.2:9/livez'],
      ['a private range', 'http://10.1.2.3/livez'],
      ['carrier-grade NAT', 'http://100.64.0.1/livez'],
      ['IPv6 loopback', 'http://[::1]:9/livez'],
      ['IPv4-mapped IPv6 metadata', 'http://[::ffff:169.254.169.254]/'],
      ['the unspecified address', 'http://0.0.0.0:9/'],
      ['a scheme other than http(s)', 'ftp://example.org/'],
      ['credentials in the URL', 'http://user:secret-password@127.0.0.1/'],
    ])('%s', async (_label, url) => {
      const hitsBefore = endpoint.hits.length;
      const error = await client().send(url, get).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EndpointRefusedError);
      expect((error as Error).message).not.toContain('secret-password');
      expect(endpoint.hits.length).toBe(hitsBefore);
    });

    it('a denied network wins over the allowlist', async () => {
      const denying = client({ ...policy, deniedNetworks: ['127.0.0.0/8'] });
      await expect(denying.send(`${endpoint.url}/livez`, get)).rejects.toBeInstanceOf(EndpointRefusedError);
    });
  });

  describe('allowed networks are reached', () => {
    it('answers an allowlisted loopback endpoint with its status, body and time', async () => {
      const response = await client().send(`${endpoint.url}/readyz`, get);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body.toString())).toEqual({ status: ['moths'] });
      expect(response.elapsedMs).toBeGreaterThan(0);
    });
  });

  describe('answers that are refused or fail', () => {
    it('never follows a redirect to another host', async () => {
      endpoint.behaviour.info = 'redirect';
      try {
        const error = await client().send(`${endpoint.url}/info`, get).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(EndpointRefusedError);
        expect((error as Error).message).toMatch(/redirect/);
      } finally {
        delete endpoint.behaviour.info;
      }
    });

    it('stops reading an answer above the size limit (50 MB sent, 1 MiB allowed)', async () => {
      endpoint.behaviour.info = 'huge';
      try {
        const error = await client().send(`${endpoint.url}/info`, get).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(EndpointRefusedError);
        expect((error as Error).message).toMatch(/more than 1048576 bytes/);
      } finally {
        delete endpoint.behaviour.info;
      }
    });

    it('gives up on an endpoint that hangs, within the time limit', async () => {
      endpoint.behaviour.process = 'hang';
      try {
        const started = Date.now();
        const error = await client()
          .send(`${endpoint.url}/process`, { method: 'POST', json: {}, timeoutMs: 300, maxResponseBytes: 1024 })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(EndpointUnreachableError);
        expect((error as EndpointUnreachableError).reason).toBe('timeout');
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        delete endpoint.behaviour.process;
      }
    });

    it('reports a closed port as unreachable', async () => {
      const closed = await startPushEndpoint();
      await closed.close();
      const error = await client().send(`${closed.url}/livez`, get).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EndpointUnreachableError);
      expect((error as EndpointUnreachableError).reason).toBe('connection');
    });
  });

  describe('host names are resolved once and the connection pinned to the checked answer', () => {
    it('connects to the address it checked, though the name would resolve elsewhere next time', async () => {
      const answers = ['127.0.0.1', '169.254.169.254'];
      const lookups: string[] = [];
      const rebinding: Resolver = async (hostname) => {
        lookups.push(hostname);
        return [{ address: answers[Math.min(lookups.length - 1, answers.length - 1)]!, family: 4 }];
      };
      const response = await client(policy, rebinding).send(`http://rebind.test:${endpoint.port}/livez`, get);
      expect(response.status).toBe(200);
      expect(lookups).toEqual(['rebind.test']);
    });

    it('refuses a name whose first answer is private, without a second look', async () => {
      const lookups: string[] = [];
      const rebinding: Resolver = async (hostname) => {
        lookups.push(hostname);
        return [{ address: lookups.length === 1 ? '169.254.169.254' : '127.0.0.1', family: 4 }];
      };
      const hitsBefore = endpoint.hits.length;
      const error = await client(policy, rebinding).send(`http://rebind.test:${endpoint.port}/livez`, get).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EndpointRefusedError);
      expect((error as Error).message).toMatch(/169\.254\.169\.254 is a linkLocal address/);
      expect(lookups).toEqual(['rebind.test']);
      expect(endpoint.hits.length).toBe(hitsBefore);
    });

    it('refuses a name that resolves to a public and a private address at once', async () => {
      const mixed: Resolver = async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ];
      await expect(client(policy, mixed).send('http://mixed.test/livez', get)).rejects.toBeInstanceOf(EndpointRefusedError);
    });
  });
});
