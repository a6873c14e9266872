import { request, setSessionToken } from '../api';
import type * as Ops from '../generated/graphql';
import { ErrorMessage, useFormSubmit } from '../shared';

export function Login({ onSignedIn }: { onSignedIn: () => void }) {
  const { submit, error, busy } = useFormSubmit(async (form) => {
    const data = await request<Ops.ConsoleLoginMutation, Ops.ConsoleLoginMutationVariables>('ConsoleLogin', {
      email: String(form.get('email')),
      password: String(form.get('password')),
    });
    setSessionToken(data.login.token);
    onSignedIn();
  });
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
