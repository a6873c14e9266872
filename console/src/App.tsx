import { useEffect, useState } from 'react';
import { ApiError, request, sessionToken, setSessionToken } from './api';
import type * as Ops from './generated/graphql';
import { Jobs } from './jobs/Jobs';
import { ServiceDetail } from './processing-services/ServiceDetail';
import { ServiceList } from './processing-services/ServiceList';
import { CreateProject } from './projects/CreateProject';
import { Login } from './session/Login';
import { ErrorMessage, permissionsIn, useQuery } from './shared';

export function App() {
  const [signedIn, setSignedIn] = useState(sessionToken() !== null);
  if (!signedIn) return <Login onSignedIn={() => setSignedIn(true)} />;
  return <Console onSignedOut={() => setSignedIn(false)} />;
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
