import { setTimeout as sleep } from 'node:timers/promises';

/** Reads until `done` holds or the deadline passes, and returns the last value read either way, for the test to assert on. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(everyMs);
  }
}
