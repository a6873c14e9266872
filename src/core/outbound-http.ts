import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Agent } from 'undici';
import { DomainError } from './errors';

/**
 * The call was not made, or its answer was not read, because the outbound policy forbids it: the
 * URL's scheme, an address outside the public internet that no allowlist names, a redirect, an
 * answer above the size limit.
 */
export class EndpointRefusedError extends DomainError {
  readonly code = 'ENDPOINT_REFUSED';
}

/** The endpoint could not be reached or did not answer in time. */
export class EndpointUnreachableError extends DomainError {
  readonly code = 'ENDPOINT_UNREACHABLE';
  constructor(
    message: string,
    readonly reason: 'timeout' | 'connection',
  ) {
    super(message);
  }
}

export interface OutboundPolicy {
  /** Addresses or CIDRs outside the public internet that calls may reach anyway (e.g. 127.0.0.1 in tests). */
  allowedNetworks: readonly string[];
  /** Addresses or CIDRs never reached, even when public or allowed. */
  deniedNetworks: readonly string[];
  connectTimeoutMs: number;
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  json?: unknown;
  /** Everything, from DNS to the last byte of the answer. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Cancels the call (the caller is stopping); the error it then throws is not the endpoint's fault. */
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  contentType: string | null;
  body: Buffer;
  /** From sending the request to the end of the answer. */
  elapsedMs: number;
}

/** How host names become addresses; tests replace it to play a rebinding DNS server. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

type Network = [ipaddr.IPv4 | ipaddr.IPv6, number];

export function parseNetwork(entry: string): Network {
  if (entry.includes('/')) return ipaddr.parseCIDR(entry);
  const address = ipaddr.parse(entry);
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

/** An IPv4-mapped IPv6 address is judged as the IPv4 address it reaches. */
function normalise(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

const inNetwork = (address: ipaddr.IPv4 | ipaddr.IPv6, [base, bits]: Network) =>
  address.kind() === base.kind() && address.match(base, bits);

/** Marks a refusal raised inside the connector, where undici would otherwise wrap or replace it. */
const refusalTag = Symbol('outbound refusal');

/**
 * HTTP calls to URLs that users supplied, safe against server-side request forgery. Every address
 * a host name resolves to must be public global unicast (ipaddr.js's `unicast` range: not
 * private, loopback, link-local such as cloud metadata, carrier-grade NAT, multicast or reserved)
 * or inside an allowed network, and outside every denied one. The check runs inside undici's
 * connector on the one DNS answer the socket then connects to, so a name cannot resolve to a
 * public address for the check and a private one for the connection. Redirects are never
 * followed; answers are bounded in bytes and time.
 */
export class OutboundHttp {
  private readonly allowed: Network[];
  private readonly denied: Network[];
  private agent?: Agent;

  constructor(
    private readonly policy: OutboundPolicy,
    private readonly resolve: Resolver = systemResolver,
  ) {
    this.allowed = policy.allowedNetworks.map(parseNetwork);
    this.denied = policy.deniedNetworks.map(parseNetwork);
  }

  /** undici is loaded on the first call out, not at start-up: many gateways never make one. */
  private async client() {
    const undici = await import('undici');
    this.agent ??= new undici.Agent({
      connect: { lookup: this.lookup, timeout: this.policy.connectTimeoutMs },
      keepAliveTimeout: 10_000,
    });
    return { undici, agent: this.agent };
  }

  /** Why an address may not be reached, or null when it may. */
  refusalOf(address: string): string | null {
    const parsed = normalise(address);
    if (this.denied.some((network) => inNetwork(parsed, network))) return `${address} is in a denied network`;
    if (this.allowed.some((network) => inNetwork(parsed, network))) return null;
    const range = parsed.range();
    if (range === 'unicast') return null;
    return `${address} is a ${range} address, not on the public internet (allow it in ENDPOINT_ALLOWED_NETWORKS)`;
  }

  private readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname).then(
      (addresses) => {
        const refusals = addresses.map((entry) => this.refusalOf(entry.address)).filter((reason) => reason !== null);
        if (addresses.length === 0 || refusals.length > 0) {
          const error = Object.assign(new Error(`${hostname} resolves to ${refusals[0] ?? 'no address'}`), { [refusalTag]: true });
          callback(error, '', 4);
        } else if (options.all) {
          callback(null, addresses);
        } else {
          callback(null, addresses[0]!.address, addresses[0]!.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };

  /**
   * Sends one request. Refusals are EndpointRefusedError, failures to connect or to answer in
   * time EndpointUnreachableError; any HTTP status that is not a redirect is returned. Messages
   * name the host and path only, never the query or the body.
   */
  async send(url: string, options: OutboundRequest): Promise<OutboundResponse> {
    const target = new URL(url);
    const where = `${target.host}${target.pathname}`;
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new EndpointRefusedError('Only http and https endpoints are called');
    if (target.username || target.password) throw new EndpointRefusedError('Endpoint URLs may not carry credentials');
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    // The connector never looks up an address literal, so it is judged here.
    if (isIP(literal)) {
      const refusal = this.refusalOf(literal);
      if (refusal) throw new EndpointRefusedError(`Refused to call ${where}: ${refusal}`);
    }
    const { undici, agent } = await this.client();
    const started = performance.now();
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    try {
      const response = await undici.request(target, {
        dispatcher: agent,
        method: options.method,
        signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        headers: {
          accept: 'application/json',
          'user-agent': 'ps-gateway',
          ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: options.json === undefined ? undefined : JSON.stringify(options.json),
      });
      if (response.statusCode >= 300 && response.statusCode < 400) {
        discard(response.body);
        throw new EndpointRefusedError(`${where} answered HTTP ${response.statusCode}, a redirect; redirects are not followed`);
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxResponseBytes) {
        discard(response.body);
        throw new EndpointRefusedError(`${where} answered more than ${options.maxResponseBytes} bytes`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > options.maxResponseBytes) {
          discard(response.body);
          throw new EndpointRefusedError(`${where} answered more than ${options.maxResponseBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
      const contentType = response.headers['content-type'];
      return {
        status: response.statusCode,
        contentType: typeof contentType === 'string' ? contentType : null,
        body: Buffer.concat(chunks),
        elapsedMs: performance.now() - started,
      };
    } catch (error) {
      throw translate(error, where, timeout, options.timeoutMs, undici.errors);
    }
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }
}

/** Drops an answer we will not read; the abort it causes is expected, not an error to report. */
function discard(body: NodeJS.ReadableStream & { destroy(): void }): void {
  body.on('error', () => undefined);
  body.destroy();
}

function translate(error: unknown, where: string, timeout: AbortSignal, timeoutMs: number, undiciErrors: typeof import('undici').errors): Error {
  if (error instanceof DomainError) return error;
  const chain: unknown[] = [];
  for (let link: unknown = error; link instanceof Error && chain.length < 5; link = link.cause) chain.push(link);
  const refusal = chain.find((link) => link instanceof Error && (link as unknown as Record<symbol, unknown>)[refusalTag]) as Error | undefined;
  if (refusal) return new EndpointRefusedError(`Refused to call ${where}: ${refusal.message}`);
  const timedOut =
    timeout.aborted ||
    chain.some(
      (link) =>
        link instanceof undiciErrors.ConnectTimeoutError ||
        link instanceof undiciErrors.HeadersTimeoutError ||
        link instanceof undiciErrors.BodyTimeoutError,
    );
  if (timedOut) return new EndpointUnreachableError(`${where} did not answer within ${timeoutMs} ms`, 'timeout');
  const code = chain.map((link) => (link as NodeJS.ErrnoException).code).find((value) => typeof value === 'string');
  return new EndpointUnreachableError(`Could not reach ${where}${code ? ` (${code})` : ''}`, 'connection');
}
