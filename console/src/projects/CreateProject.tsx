import { request } from '../api';
import type * as Ops from '../generated/graphql';
import { ErrorMessage, useFormSubmit } from '../shared';

export function CreateProject({ onCreated }: { onCreated: (id: string) => void }) {
  const { submit, error, busy } = useFormSubmit(async (form, element) => {
    const data = await request<Ops.ConsoleCreateProjectMutation, Ops.ConsoleCreateProjectMutationVariables>('ConsoleCreateProject', {
      input: { name: String(form.get('name')) },
    });
    element.reset();
    onCreated(data.createProject.id);
  });
  return (
    <details className="panel">
      <summary>New project</summary>
      <form onSubmit={submit} className="inline">
        <label>
          Project name
          <input name="name" required maxLength={255} />
        </label>
        <button type="submit" disabled={busy}>
          Create project
        </button>
        <ErrorMessage error={error} />
      </form>
    </details>
  );
}
