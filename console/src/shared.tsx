import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError } from './api';
import type * as Ops from './generated/graphql';
import { ago, utc } from './time';

export const POLL_MS = 5_000;

export type Project = Ops.ConsoleProjectsQuery['projects'][number];

type Viewer = NonNullable<Ops.ConsoleProjectsQuery['viewer']['user']>;

type Role = 'BASIC_MEMBER' | 'RESEARCHER' | 'IDENTIFIER' | 'ML_DATA_MANAGER' | 'PROJECT_MANAGER';

const roleOrder: Role[] = ['BASIC_MEMBER', 'RESEARCHER', 'IDENTIFIER', 'ML_DATA_MANAGER', 'PROJECT_MANAGER'];

export interface Permissions {
  manageServices: boolean;
  runJobs: boolean;
  createProjects: boolean;
}

export function permissionsIn(project: Project | undefined, viewer: Viewer): Permissions {
  if (viewer.isSuperuser) return { manageServices: true, runJobs: true, createProjects: true };
  const role = project?.members?.find((member) => member.user.id === viewer.id)?.role as Role | undefined;
  const rank = role ? roleOrder.indexOf(role) : -1;
  return {
    manageServices: rank >= roleOrder.indexOf('PROJECT_MANAGER'),
    runJobs: rank >= roleOrder.indexOf('ML_DATA_MANAGER'),
    createProjects: false,
  };
}

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong.';
}

export function ErrorMessage({ error, id }: { error: unknown; id?: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert" id={id}>
      {messageOf(error)}
    </p>
  );
}

/**
 * The submit handler of a form that calls the API: `busy` while `action` runs (so a second click
 * sends nothing), the error it threw shown until the next successful submit.
 */
export function useFormSubmit(action: (form: FormData, element: HTMLFormElement) => Promise<void>) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const element = event.currentTarget;
    setBusy(true);
    try {
      await action(new FormData(element), element);
      setError(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  return { submit, error, setError, busy };
}

/** Loads with `load` on mount, when `deps` change, and every `pollMs` if given. */
export function useQuery<T>(load: () => Promise<T>, deps: unknown[], pollMs?: number) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const refresh = useCallback(load, deps);
  const reload = useCallback(async () => {
    try {
      setData(await refresh());
      setError(null);
      setUpdatedAt(new Date());
    } catch (caught) {
      setError(caught);
    }
  }, [refresh]);
  useEffect(() => {
    setData(null);
    void reload();
    if (!pollMs) return;
    const timer = setInterval(() => void reload(), pollMs);
    return () => clearInterval(timer);
  }, [reload, pollMs]);
  return { data, error, updatedAt, reload };
}

export function When({ iso, never = 'never' }: { iso: string | null | undefined; never?: string }) {
  if (!iso) return <span className="muted">{never}</span>;
  return (
    <time dateTime={iso} title={utc(iso)}>
      {ago(iso)}
    </time>
  );
}

/** A table's column headers; `actions` adds a last column, named for screen readers only, for row buttons. */
export function TableHead({ columns, actions = false }: { columns: string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th scope="col" key={column}>
            {column}
          </th>
        ))}
        {actions && (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

/** When a polled view last refreshed, announced politely to screen readers. */
export function UpdatedAt({ at }: { at: Date | null }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      {at ? `Updated ${at.toLocaleTimeString('en-GB')}` : 'Loading…'}
    </p>
  );
}
