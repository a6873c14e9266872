import { useState, type FormEvent } from 'react';
import { request, setSessionToken } from '../api';
import type * as Ops from '../generated/graphql';
import { ErrorMessage } from '../shared';

export function Login({ onSignedIn }: { onSignedIn: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    try {
      const data = await request<Ops.ConsoleLoginMutation, Ops.ConsoleLoginMutationVariables>('ConsoleLogin', {
        email: String(form.get('email')),
        password: String(form.get('password')),
      });
      setSessionToken(data.login.token);
      onSignedIn();
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }
  return (
    <main className="login">
      <h1>ps-gateway console</h1>
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <ErrorMessage error={error} id="login-error" />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
