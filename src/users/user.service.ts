import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import { z } from 'zod/v3';
import { recordAuditEvent } from '../audit/audit-trail';
import { anonymous, isAllPowerful, type Principal, type UserPrincipal } from '../auth/principal';
import type { FailureLimiter } from '../auth/failure-limiter';
import { ConflictError, ForbiddenError, RateLimitedError, UnauthenticatedError, ValidationError } from '../core/errors';
import { secretDigest } from '../core/crypto';
import { notifyInvalidation } from '../core/invalidation';
import { LookupCache, type LookupCacheStats } from '../core/lookup-cache';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, verifyPassword } from './password';
import { UserSession } from './user-session.entity';
import { User } from './user.entity';

export interface CreateUserInput {
  email: string;
  password: string;
  isSuperuser?: boolean | null;
}

/** Session tokens are `pgs_` plus 43 base64url characters (256 bits). */
const SESSION_TOKEN_TAG = 'pgs_';

/** Sessions kept in memory per process, the least recently used dropped first. */
const SESSION_CACHE_MAX_ENTRIES = 10_000;

/** A session as cached: who it is, and until when. */
interface SessionLookup {
  principal: UserPrincipal;
  expiresAt: Date;
}

/** The stored digest of a well-formed session token; null for anything else (never looked up). */
function sessionDigest(token: string): string | null {
  return token.startsWith(SESSION_TOKEN_TAG) && token.length <= 100 ? secretDigest(token) : null;
}

const emailSchema = z.string().email().max(254);

/** Lower-cases and validates an email address. */
export function normalizeEmail(email: string, path = 'email'): string {
  const normalized = email.trim().toLowerCase();
  if (!emailSchema.safeParse(normalized).success) throw new ValidationError('is not a valid email address', path);
  return normalized;
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new ValidationError(`must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`, 'password');
  }
}

/**
 * Users and their sessions. Sessions are cached in-process by token digest (unknown tokens too),
 * so a user's request authenticates without a query; logging out evicts at once here and on other
 * replicas through the invalidation channel, expiry is checked on every request, and the TTL is the
 * safety net.
 */
export class UserService {
  private readonly sessions: LookupCache<SessionLookup>;

  constructor(
    private readonly settings: { sessionTtlSeconds: number; sessionCacheTtlSeconds: number },
    private readonly loginFailures: FailureLimiter,
  ) {
    this.sessions = new LookupCache(
      { ttlSeconds: settings.sessionCacheTtlSeconds, maxEntries: SESSION_CACHE_MAX_ENTRIES },
      (em, digest) => this.lookupSession(em, digest),
    );
  }

  /** Creates a user. Only superusers (and the CLI operator) may. */
  async createUser(em: EntityManager, actor: Principal, input: CreateUserInput): Promise<User> {
    if (!isAllPowerful(actor)) throw new ForbiddenError('Only superusers may create users');
    const email = normalizeEmail(input.email);
    checkPassword(input.password);
    const passwordHash = await hashPassword(input.password);
    const user = em.create(User, { email, passwordHash, isSuperuser: input.isSuperuser ?? false });
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        em.clear();
        throw new ConflictError('A user with this email already exists');
      }
      throw error;
    }
    return user;
  }

  /**
   * Makes sure a superuser with this email exists (start-up bootstrap from ADMIN_EMAIL and
   * ADMIN_PASSWORD). Idempotent, also for replicas starting together: an existing user is promoted,
   * its password left alone.
   */
  async ensureSuperuser(em: EntityManager, emailInput: string, password: string): Promise<{ user: User; created: boolean }> {
    const email = normalizeEmail(emailInput, 'ADMIN_EMAIL');
    checkPassword(password);
    const promoteExisting = async (): Promise<{ user: User; created: false } | null> => {
      const existing = await em.findOne(User, { email });
      if (!existing) return null;
      if (!existing.isSuperuser) {
        await em.transactional(async (tx) => {
          await tx.nativeUpdate(User, { id: existing.id }, { isSuperuser: true });
          await tx.execute(...notifyInvalidation({ userIds: [existing.id] }));
        });
        // Replicas already running may hold this user's sessions, cached as not a superuser.
        await em.refresh(existing);
      }
      return { user: existing, created: false };
    };
    const found = await promoteExisting();
    if (found) return found;
    try {
      const user = await this.createUser(em, { kind: 'system' }, { email, password, isSuperuser: true });
      return { user, created: true };
    } catch (error) {
      // Another replica starting at the same moment created it between our read and our insert.
      if (!(error instanceof ConflictError)) throw error;
      const raced = await promoteExisting();
      if (!raced) throw error;
      return raced;
    }
  }

  /**
   * Exchanges email and password for a session token. Unknown email and wrong password give the
   * same error after the same amount of hashing work. Each attempt is claimed per client address
   * before any hashing and given back when it succeeds: past the limit, attempts are refused
   * before hashing, however many run at once, so guessing cannot starve the CPU.
   */
  async login(
    em: EntityManager,
    emailInput: string,
    password: string,
    client: { ip: string; userAgent: string | null },
  ): Promise<{ token: string; user: User; principal: UserPrincipal }> {
    const subject = `login:${client.ip}`;
    const wait = this.loginFailures.claimAttempt(subject);
    if (wait > 0) throw new RateLimitedError('Too many failed login attempts; retry later', wait);
    const email = emailInput.trim().toLowerCase();
    let user: User | null;
    let valid: boolean;
    try {
      user =
        password.length <= PASSWORD_MAX_LENGTH && email.length <= 254
          ? await em.findOne(User, { email }, { populate: ['passwordHash'] })
          : null;
      valid = await verifyPassword(user?.passwordHash, password.slice(0, PASSWORD_MAX_LENGTH));
    } catch (error) {
      // Only a wrong password counts against the address, not a database that is away.
      this.loginFailures.forgive(subject);
      throw error;
    }
    if (!user || !valid) {
      if (this.loginFailures.newlyExhausted(subject)) {
        // What was typed as the email is not kept: it may be a password typed in the wrong field.
        await recordAuditEvent(em, { principal: anonymous, ...client }, {
          action: 'LOGIN_FAILURES_REPEATED',
          ...(user && { targetUserId: user.id, targetUserLabel: user.email }),
          details: { failures: this.loginFailures.limit, windowSeconds: this.loginFailures.windowSeconds },
        });
      }
      throw new UnauthenticatedError('Invalid email or password');
    }
    this.loginFailures.forgive(subject);
    const token = SESSION_TOKEN_TAG + randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.settings.sessionTtlSeconds * 1000);
    const session = em.create(UserSession, { user, tokenDigest: secretDigest(token), expiresAt });
    await em.flush();
    return { token, user, principal: { kind: 'user', userId: user.id, isSuperuser: user.isSuperuser, sessionId: session.id } };
  }

  /** Ends the session the caller authenticated with, on every replica. */
  async logout(em: EntityManager, actor: Principal): Promise<boolean> {
    if (actor.kind !== 'user') return false;
    const deleted = await em.transactional(async (tx) => {
      const count = await tx.nativeDelete(UserSession, { id: actor.sessionId });
      if (count > 0) await tx.execute(...notifyInvalidation({ sessionIds: [actor.sessionId] }));
      return count;
    });
    this.forgetSessions({ sessionIds: [actor.sessionId] });
    return deleted > 0;
  }

  /** Resolves a session token to its user, or null when unknown or expired. */
  async authenticate(em: EntityManager, token: string): Promise<UserPrincipal | null> {
    const digest = sessionDigest(token);
    return digest ? this.check(await this.sessions.load(em, digest)) : null;
  }

  /** `authenticate` without I/O: the answer when it is known in memory, undefined when it must be looked up. */
  authenticateCached(token: string): UserPrincipal | null | undefined {
    const digest = sessionDigest(token);
    if (!digest) return null;
    const session = this.sessions.get(digest);
    return session === undefined ? undefined : this.check(session);
  }

  /** Drops cached sessions: ended ones, or every session of users whose standing changed. */
  forgetSessions({ sessionIds = [], userIds = [] }: { sessionIds?: readonly number[]; userIds?: readonly number[] }): void {
    if (sessionIds.length === 0 && userIds.length === 0) return;
    this.sessions.deleteWhere(({ principal }) => sessionIds.includes(principal.sessionId) || userIds.includes(principal.userId));
  }

  /** Drops every cached session, for a replica that may have missed invalidations. */
  forgetAllSessions(): void {
    this.sessions.clear();
  }

  /** Hits and misses of the session cache since start-up. */
  sessionCacheStats(): LookupCacheStats {
    return this.sessions.stats();
  }

  private check(session: SessionLookup | null): UserPrincipal | null {
    return session && session.expiresAt.getTime() > Date.now() ? session.principal : null;
  }

  private async lookupSession(em: EntityManager, tokenDigest: string): Promise<SessionLookup | null> {
    // One plain statement: the ORM's query building and hydration for it cost several times the
    // statement itself.
    const [row] = await em.execute<{ sessionId: number; userId: number; isSuperuser: boolean; expiresAt: Date }[]>(
      `select s.id as "sessionId", u.id as "userId", u.is_superuser as "isSuperuser", s.expires_at as "expiresAt"
         from user_sessions s join users u on u.id = s.user_id
        where s.token_digest = ? and s.expires_at > ?`,
      [tokenDigest, new Date()],
    );
    if (!row) return null;
    return {
      principal: { kind: 'user', userId: row.userId, isSuperuser: row.isSuperuser, sessionId: row.sessionId },
      expiresAt: new Date(row.expiresAt),
    };
  }

  findById(em: EntityManager, id: number): Promise<User | null> {
    return em.findOne(User, { id });
  }
}
