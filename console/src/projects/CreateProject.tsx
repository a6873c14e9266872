import { useState, type FormEvent } from 'react';
import { request } from '../api';
import type * as Ops from '../generated/graphql';
import { ErrorMessage } from '../shared';

export function CreateProject({ onCreated }: { onCreated: (id: string) => void }) {
  const [error, setError] = useState<unknown>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const name = String(new FormData(formElement).get('name'));
    try {
      const data = await request<Ops.ConsoleCreateProjectMutation, Ops.ConsoleCreateProjectMutationVariables>('ConsoleCreateProject', { input: { name } });
      formElement.reset();
      setError(null);
      onCreated(data.createProject.id);
    } catch (caught) {
      setError(caught);
    }
  }
  return (
    <details className="panel">
      <summary>New project</summary>
      <form onSubmit={submit} className="inline">
        <label>
          Project name
          <input name="name" required maxLength={255} />
        </label>
        <button type="submit">Create project</button>
        <ErrorMessage error={error} />
      </form>
    </details>
  );
}
