import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, request, sessionToken, setSessionToken } from './api';
import type * as Ops from './generated/graphql';
import { ago, utc } from './time';

const POLL_MS = 5_000;

type Project = Ops.ConsoleProjectsQuery['projects'][number];
type Viewer = NonNullable<Ops.ConsoleProjectsQuery['viewer']['user']>;
type Role = 'BASIC_MEMBER' | 'RESEARCHER' | 'IDENTIFIER' | 'ML_DATA_MANAGER' | 'PROJECT_MANAGER';
const roleOrder: Role[] = ['BASIC_MEMBER', 'RESEARCHER', 'IDENTIFIER', 'ML_DATA_MANAGER', 'PROJECT_MANAGER'];

interface Permissions {
  manageServices: boolean;
  runJobs: boolean;
  createProjects: boolean;
}

function permissionsIn(project: Project | undefined, viewer: Viewer): Permissions {
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

function ErrorMessage({ error, id }: { error: unknown; id?: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert" id={id}>
      {messageOf(error)}
    </p>
  );
}

/** Loads with `load` on mount, when `deps` change, and every `pollMs` if given. */
function useQuery<T>(load: () => Promise<T>, deps: unknown[], pollMs?: number) {
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

export function App() {
  const [signedIn, setSignedIn] = useState(sessionToken() !== null);
  if (!signedIn) return <Login onSignedIn={() => setSignedIn(true)} />;
  return <Console onSignedOut={() => setSignedIn(false)} />;
}

function Login({ onSignedIn }: { onSignedIn: () => void }) {
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

type Page = { name: 'services' } | { name: 'service'; id: string } | { name: 'jobs' };

function Console({ onSignedOut }: { onSignedOut: () => void }) {
  const projects = useQuery(() => request<Ops.ConsoleProjectsQuery>('ConsoleProjects'), []);
  const [projectId, setProjectId] = useState<string | null>(null);
  const [page, setPage] = useState<Page>({ name: 'services' });

  useEffect(() => {
    if (projects.error instanceof ApiError && projects.error.code === 'UNAUTHENTICATED') onSignedOut();
  }, [projects.error, onSignedOut]);
  const list = projects.data?.projects ?? [];
  const viewer = projects.data?.viewer.user;
  const project = list.find((candidate) => candidate.id === projectId) ?? list[0];

  async function signOut() {
    try {
      await request<Ops.ConsoleLogoutMutation>('ConsoleLogout');
    } catch {
      // The token is dropped either way; an expired one cannot be logged out.
    }
    setSessionToken(null);
    onSignedOut();
  }

  if (!projects.data || !viewer) {
    return (
      <main className="page">
        {projects.error ? <ErrorMessage error={projects.error} /> : <p role="status">Loading…</p>}
      </main>
    );
  }
  const can = permissionsIn(project, viewer);
  return (
    <>
      <header className="bar">
        <strong>ps-gateway</strong>
        <label htmlFor="project-choice">Project</label>
          <select
            id="project-choice"
            value={project?.id ?? ''}
            onChange={(event) => {
              setProjectId(event.target.value);
              setPage({ name: 'services' });
            }}
          >
            {list.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name}
              </option>
            ))}
          </select>
        <nav aria-label="Sections">
          <button type="button" aria-current={page.name !== 'jobs' ? 'page' : undefined} onClick={() => setPage({ name: 'services' })}>
            Processing services
          </button>
          <button type="button" aria-current={page.name === 'jobs' ? 'page' : undefined} onClick={() => setPage({ name: 'jobs' })}>
            Jobs
          </button>
        </nav>
        <span className="who">{viewer.email}</span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main className="page">
        {can.createProjects && <CreateProject onCreated={(id) => { setProjectId(id); void projects.reload(); }} />}
        {!project ? (
          <p className="empty">You are not a member of any project yet. Ask a project manager to add you.</p>
        ) : page.name === 'services' ? (
          <ServiceList project={project} can={can} open={(id) => setPage({ name: 'service', id })} />
        ) : page.name === 'service' ? (
          <ServiceDetail id={page.id} projects={list} can={can} back={() => setPage({ name: 'services' })} />
        ) : (
          <Jobs project={project} can={can} />
        )}
      </main>
    </>
  );
}

function CreateProject({ onCreated }: { onCreated: (id: string) => void }) {
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

function StatusDot({ status }: { status: string }) {
  return (
    <span className={`status status-${status.toLowerCase()}`}>
      <span className="dot" aria-hidden="true" />
      {status}
    </span>
  );
}

function When({ iso, never = 'never' }: { iso: string | null | undefined; never?: string }) {
  if (!iso) return <span className="muted">{never}</span>;
  return (
    <time dateTime={iso} title={utc(iso)}>
      {ago(iso)}
    </time>
  );
}

function ServiceList({ project, can, open }: { project: Project; can: Permissions; open: (id: string) => void }) {
  const services = useQuery(
    () => request<Ops.ConsoleServicesQuery, Ops.ConsoleServicesQueryVariables>('ConsoleServices', { projectId: project.id }),
    [project.id],
    POLL_MS,
  );
  const rows = services.data?.processingServices.edges.map((edge) => edge.node) ?? [];
  return (
    <section aria-labelledby="services-title">
      <div className="heading">
        <h1 id="services-title">Processing services of {project.name}</h1>
        <p className="muted" role="status" aria-live="polite">
          {services.updatedAt ? `Updated ${services.updatedAt.toLocaleTimeString('en-GB')}` : 'Loading…'}
        </p>
      </div>
      <ErrorMessage error={services.error} />
      {can.manageServices && <CreateService project={project} onCreated={(id) => open(id)} />}
      {services.data && rows.length === 0 && <p className="empty">No processing services in this project yet.</p>}
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Mode</th>
              <th scope="col">Status</th>
              <th scope="col">Key prefix</th>
              <th scope="col">Last seen</th>
              <th scope="col">Last known worker</th>
              <th scope="col">Pipelines</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((service) => (
              <tr key={service.id} data-service={service.name}>
                <td>
                  <button type="button" className="link" onClick={() => open(service.id)}>
                    {service.name}
                  </button>
                </td>
                <td>{service.mode}</td>
                <td>
                  <StatusDot status={service.status} />
                </td>
                <td>{service.apiKeyPrefix ? <code>{service.apiKeyPrefix}</code> : <span className="muted">no key</span>}</td>
                <td>
                  <When iso={service.lastSeen} />
                </td>
                <td>
                  <Worker info={service.lastSeenClientInfo} />
                </td>
                <td>
                  {service.pipelines.length === 0 ? (
                    <span className="muted">none registered</span>
                  ) : (
                    <ul className="plain">
                      {service.pipelines.map((pipeline) => (
                        <li key={pipeline.id}>
                          <strong>{pipeline.name}</strong> <code>{pipeline.slug}</code> v{pipeline.version}
                          <span className="muted"> — {pipeline.algorithms.map((algorithm) => `${algorithm.name} v${algorithm.version}`).join(', ')}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Worker({ info }: { info: Ops.ConsoleServicesQuery['processingServices']['edges'][number]['node']['lastSeenClientInfo'] }) {
  if (!info) return <span className="muted">no worker yet</span>;
  const software = [info.software, info.version].filter(Boolean).join(' ');
  return (
    <dl className="worker">
      {info.hostname && <><dt>Host</dt><dd>{info.hostname}</dd></>}
      {software && <><dt>Software</dt><dd>{software}</dd></>}
      {info.platform && <><dt>Platform</dt><dd>{info.platform}</dd></>}
      {info.podName && <><dt>Pod</dt><dd>{info.podName}</dd></>}
      {info.ip && <><dt>IP</dt><dd>{info.ip}</dd></>}
      {info.userAgent && <><dt>User agent</dt><dd>{info.userAgent}</dd></>}
    </dl>
  );
}

function CreateService({ project, onCreated }: { project: Project; onCreated: (id: string) => void }) {
  const [error, setError] = useState<unknown>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      const data = await request<Ops.ConsoleCreateServiceMutation, Ops.ConsoleCreateServiceMutationVariables>('ConsoleCreateService', {
        input: {
          name: String(form.get('name')),
          description: String(form.get('description') ?? ''),
          endpointUrl: String(form.get('endpointUrl') ?? '') || null,
          projectIds: [project.id],
        },
      });
      onCreated(data.createProcessingService.id);
    } catch (caught) {
      setError(caught);
    }
  }
  return (
    <details className="panel">
      <summary>New processing service</summary>
      <form onSubmit={submit} className="stack">
        <label>
          Name
          <input name="name" required maxLength={255} />
        </label>
        <label>
          Description
          <textarea name="description" rows={2} />
        </label>
        <label>
          <span>
            Endpoint URL <span className="muted">(empty for pull mode: workers call in)</span>
          </span>
          <input name="endpointUrl" type="url" maxLength={1024} />
        </label>
        <ErrorMessage error={error} />
        <button type="submit">Create service</button>
      </form>
    </details>
  );
}

function ServiceDetail({ id, projects, can, back }: { id: string; projects: Project[]; can: Permissions; back: () => void }) {
  const service = useQuery(() => request<Ops.ConsoleServiceQuery, Ops.ConsoleServiceQueryVariables>('ConsoleService', { id }), [id], POLL_MS);
  const [newKey, setNewKey] = useState<{ key: string; prefix: string } | null>(null);
  const [keyError, setKeyError] = useState<unknown>(null);
  const [graceMinutes, setGraceMinutes] = useState(0);
  const data = service.data?.processingService;

  async function generate() {
    setKeyError(null);
    try {
      const result = await request<Ops.ConsoleGenerateKeyMutation, Ops.ConsoleGenerateKeyMutationVariables>('ConsoleGenerateKey', {
        processingServiceId: id,
        previousKeyGraceSeconds: graceMinutes > 0 ? graceMinutes * 60 : null,
      });
      setNewKey({ key: result.generateKey.key, prefix: result.generateKey.apiKey.prefix });
      void service.reload();
    } catch (caught) {
      setKeyError(caught);
    }
  }

  async function revoke(keyId: string, prefix: string) {
    if (!window.confirm(`Revoke key ${prefix}? Workers using it are refused from now on; this cannot be undone.`)) return;
    setKeyError(null);
    try {
      await request<Ops.ConsoleRevokeKeyMutation, Ops.ConsoleRevokeKeyMutationVariables>('ConsoleRevokeKey', { id: keyId });
      void service.reload();
    } catch (caught) {
      setKeyError(caught);
    }
  }

  return (
    <section aria-labelledby="service-title">
      <button type="button" className="link" onClick={back}>
        ← All services
      </button>
      <ErrorMessage error={service.error} />
      {service.data && !data && <p className="empty">This service does not exist or you may not see it.</p>}
      {data && (
        <>
          <div className="heading">
            <h1 id="service-title">{data.name}</h1>
            <StatusDot status={data.status} />
            <span className="muted">
              {data.mode} · last seen <When iso={data.lastSeen} />
            </span>
          </div>
          {can.manageServices ? (
            <EditService service={data} projects={projects} onSaved={() => void service.reload()} />
          ) : (
            <p>{data.description || <span className="muted">No description.</span>}</p>
          )}
          {can.manageServices && data.apiKeys && (
            <section aria-labelledby="keys-title" className="panel">
              <h2 id="keys-title">API keys</h2>
              <div className="inline">
                <label>
                  Keep the previous key working for
                  <select value={graceMinutes} onChange={(event) => setGraceMinutes(Number(event.target.value))}>
                    <option value={0}>no grace: revoke it now</option>
                    <option value={15}>15 minutes</option>
                    <option value={60}>1 hour</option>
                    <option value={1440}>1 day</option>
                  </select>
                </label>
                <button type="button" onClick={generate}>
                  Generate API key
                </button>
              </div>
              <ErrorMessage error={keyError} />
              {data.apiKeys.length === 0 ? (
                <p className="empty">No keys yet: generate one for the service's workers.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Prefix</th>
                      <th scope="col">Name</th>
                      <th scope="col">Created</th>
                      <th scope="col">Last used</th>
                      <th scope="col">Expires</th>
                      <th scope="col">State</th>
                      <th scope="col"><span className="visually-hidden">Actions</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.apiKeys.map((key) => {
                      const expired = key.expiresAt !== null && key.expiresAt !== undefined && new Date(key.expiresAt).getTime() <= Date.now();
                      const state = key.revokedAt ? 'revoked' : expired ? 'expired' : 'active';
                      return (
                        <tr key={key.id} data-prefix={key.prefix}>
                          <td><code>{key.prefix}</code></td>
                          <td>{key.name}</td>
                          <td><When iso={key.createdAt} /></td>
                          <td><When iso={key.lastUsedAt} /></td>
                          <td><When iso={key.expiresAt} never="—" /></td>
                          <td className={`key-${state}`}>{state}</td>
                          <td>
                            {state === 'active' && (
                              <button type="button" onClick={() => revoke(key.id, key.prefix)} aria-label={`Revoke key ${key.prefix}`}>
                                Revoke
                              </button>
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </section>
          )}
        </>
      )}
      {newKey && <NewKeyDialog secret={newKey.key} prefix={newKey.prefix} onClose={() => setNewKey(null)} />}
    </section>
  );
}

function EditService({
  service,
  projects,
  onSaved,
}: {
  service: NonNullable<Ops.ConsoleServiceQuery['processingService']>;
  projects: Project[];
  onSaved: () => void;
}) {
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setSaved(false);
    try {
      await request<Ops.ConsoleUpdateServiceMutation, Ops.ConsoleUpdateServiceMutationVariables>('ConsoleUpdateService', {
        id: service.id,
        input: {
          name: String(form.get('name')),
          description: String(form.get('description') ?? ''),
          endpointUrl: String(form.get('endpointUrl') ?? '') || null,
          projectIds: form.getAll('projectIds').map(String),
        },
      });
      setError(null);
      setSaved(true);
      onSaved();
    } catch (caught) {
      setError(caught);
    }
  }
  const linked = new Set(service.projects.map((project) => project.id));
  return (
    <details className="panel">
      <summary>Edit service</summary>
      <form onSubmit={submit} className="stack" key={service.id}>
        <label>
          Name
          <input name="name" required maxLength={255} defaultValue={service.name} />
        </label>
        <label>
          Description
          <textarea name="description" rows={2} defaultValue={service.description} />
        </label>
        <label>
          <span>
            Endpoint URL <span className="muted">(empty for pull mode)</span>
          </span>
          <input name="endpointUrl" type="url" maxLength={1024} defaultValue={service.endpointUrl ?? ''} />
        </label>
        <fieldset>
          <legend>Projects</legend>
          {projects.map((project) => (
            <label key={project.id} className="check">
              <input type="checkbox" name="projectIds" value={project.id} defaultChecked={linked.has(project.id)} />
              {project.name}
            </label>
          ))}
        </fieldset>
        <ErrorMessage error={error} />
        {saved && <p role="status">Saved.</p>}
        <button type="submit">Save</button>
      </form>
    </details>
  );
}

/** Shows a new key once. The plaintext lives only in this component's props: closing unmounts it. */
function NewKeyDialog({ secret, prefix, onClose }: { secret: string; prefix: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  }
  return (
    <dialog ref={dialog} aria-labelledby="new-key-title" aria-describedby="new-key-warning" onClose={onClose} className="key-dialog">
      <h2 id="new-key-title">New API key {prefix}</h2>
      <p id="new-key-warning" className="warning">
        Copy this key now. It will not be shown again: only its prefix is kept.
      </p>
      <code className="secret" data-testid="new-key">
        {secret}
      </code>
      <div className="inline">
        <button type="button" onClick={copy} autoFocus>
          Copy key
        </button>
        <span role="status">{copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'Copying failed: select the key and copy it by hand.' : ''}</span>
        <button type="button" onClick={() => dialog.current?.close()}>
          I have stored it, close
        </button>
      </div>
    </dialog>
  );
}

function Progress({ progress }: { progress: Ops.ConsoleJobsQuery['jobs']['edges'][number]['node']['progress'] }) {
  const total = Math.max(progress.total, 1);
  const part = (count: number) => `${(count / total) * 100}%`;
  const percent = Math.round((progress.done / total) * 100);
  return (
    <div
      className="progress"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={progress.total}
      aria-valuenow={progress.done}
      aria-valuetext={`${percent}% done: ${progress.done} done, ${progress.failed} failed, ${progress.leased} leased, ${progress.queued} queued`}
    >
      <Segment className="done" width={part(progress.done)} />
      <Segment className="failed" width={part(progress.failed)} />
      <Segment className="leased" width={part(progress.leased)} />
      <span className="label">
        {percent}% · {progress.done} done · {progress.failed} failed · {progress.leased} leased · {progress.queued} queued
      </span>
    </div>
  );
}

/** Width set through the DOM, not a style attribute, so the CSP needs no 'unsafe-inline' for styles. */
function Segment({ className, width }: { className: string; width: string }) {
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    ref.current?.style.setProperty('width', width);
  }, [width]);
  return <span ref={ref} className={`segment ${className}`} />;
}

function parseImages(text: string): { images: { id: string; url: string }[]; bad: number[] } {
  const images: { id: string; url: string }[] = [];
  const bad: number[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (!trimmed) return;
    const comma = trimmed.indexOf(',');
    const id = trimmed.slice(0, comma).trim();
    const url = trimmed.slice(comma + 1).trim();
    if (comma < 1 || !/^https?:\/\//.test(url)) bad.push(index + 1);
    else images.push({ id, url });
  });
  return { images, bad };
}

function Jobs({ project, can }: { project: Project; can: Permissions }) {
  const jobs = useQuery(() => request<Ops.ConsoleJobsQuery, Ops.ConsoleJobsQueryVariables>('ConsoleJobs', { projectId: project.id }), [project.id], POLL_MS);
  const [actionError, setActionError] = useState<unknown>(null);
  const rows = jobs.data?.jobs.edges.map((edge) => edge.node) ?? [];

  async function act(operation: 'ConsoleCancelJob' | 'ConsoleRetryFailed', variables: { id: string } | { jobId: string }) {
    setActionError(null);
    try {
      await request(operation, variables);
      void jobs.reload();
    } catch (caught) {
      setActionError(caught);
    }
  }
  return (
    <section aria-labelledby="jobs-title">
      <div className="heading">
        <h1 id="jobs-title">Jobs of {project.name}</h1>
        <p className="muted" role="status" aria-live="polite">
          {jobs.updatedAt ? `Updated ${jobs.updatedAt.toLocaleTimeString('en-GB')}` : 'Loading…'}
        </p>
      </div>
      <ErrorMessage error={jobs.error} />
      {can.runJobs && <CreateJob project={project} onCreated={() => void jobs.reload()} />}
      <ErrorMessage error={actionError} />
      {jobs.data && rows.length === 0 && <p className="empty">No jobs in this project yet.</p>}
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col">Pipeline</th>
              <th scope="col">Progress</th>
              <th scope="col">Services</th>
              <th scope="col">Created</th>
              {can.runJobs && <th scope="col"><span className="visually-hidden">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((job) => (
              <tr key={job.id} data-job={job.name}>
                <td>{job.name}</td>
                <td>{job.status}</td>
                <td><code>{job.pipelineSlug}</code></td>
                <td><Progress progress={job.progress} /></td>
                <td>{job.processingServices?.map((service) => service.name).join(', ') || <span className="muted">none yet</span>}</td>
                <td><When iso={job.createdAt} /></td>
                {can.runJobs && (
                  <td>
                    <div className="actions">
                    {['CREATED', 'QUEUED', 'RUNNING'].includes(job.status) && (
                      <button type="button" onClick={() => window.confirm(`Cancel job ${job.name}?`) && act('ConsoleCancelJob', { id: job.id })}>
                        Cancel
                      </button>
                    )}
                    {job.progress.failed > 0 && (
                      <button type="button" onClick={() => act('ConsoleRetryFailed', { jobId: job.id })}>
                        Retry failed
                      </button>
                    )}
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CreateJob({ project, onCreated }: { project: Project; onCreated: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [text, setText] = useState('');
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const { images, bad } = parseImages(text);
    if (bad.length > 0) return setError(new ApiError(`Lines ${bad.slice(0, 5).join(', ')} are not "id,url" with an http(s) URL.`, 'BAD_USER_INPUT'));
    if (images.length === 0) return setError(new ApiError('Add at least one "id,url" line.', 'BAD_USER_INPUT'));
    try {
      await request<Ops.ConsoleCreateJobMutation, Ops.ConsoleCreateJobMutationVariables>('ConsoleCreateJob', {
        input: { name: String(form.get('name')), pipelineSlug: String(form.get('pipelineSlug')), projectId: project.id, images },
      });
      setError(null);
      setText('');
      formElement.reset();
      onCreated();
    } catch (caught) {
      setError(caught);
    }
  }
  return (
    <details className="panel">
      <summary>New job</summary>
      <form onSubmit={submit} className="stack">
        <label>
          Name
          <input name="name" required maxLength={255} />
        </label>
        <label>
          Pipeline slug
          <input name="pipelineSlug" required maxLength={255} />
        </label>
        <label>
          <span>
            Images, one <code>id,url</code> per line
          </span>
          <textarea name="images" rows={5} value={text} onChange={(event) => setText(event.target.value)} />
        </label>
        <label>
          …or upload a file
          <input type="file" accept=".csv,.txt,text/csv,text/plain" onChange={async (event) => setText((await event.target.files?.[0]?.text()) ?? text)} />
        </label>
        <ErrorMessage error={error} />
        <button type="submit">Create job</button>
      </form>
    </details>
  );
}
