import { useEffect, useRef, useState } from 'react';
import { ApiError, request } from '../api';
import type * as Ops from '../generated/graphql';
import { POLL_MS, type Project, type Permissions, ErrorMessage, TableHead, UpdatedAt, useFormSubmit, useQuery, When } from '../shared';

type JobRow = Ops.ConsoleJobsQuery['jobs']['edges'][number]['node'];

function Progress({ progress }: { progress: JobRow['progress'] }) {
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

/** The services that leased the job's tasks, each with the workers (by hostname) that did. */
function TookPart({ job }: { job: JobRow }) {
  if (!job.processingServices?.length) return <span className="muted">none yet</span>;
  return (
    <ul className="plain">
      {job.processingServices.map((service) => {
        const workers = (job.workers ?? []).filter((worker) => worker.processingService?.id === service.id);
        return (
          <li key={service.id}>
            {service.name}
            {workers.length > 0 && (
              <span className="muted">
                {' '}
                ({workers.map((worker) => `${worker.clientInfo.hostname ?? 'unnamed worker'}: ${worker.leases} leases`).join(', ')})
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}

export function Jobs({ project, can }: { project: Project; can: Permissions }) {
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
        <UpdatedAt at={jobs.updatedAt} />
      </div>
      <ErrorMessage error={jobs.error} />
      {can.runJobs && <CreateJob project={project} onCreated={() => void jobs.reload()} />}
      <ErrorMessage error={actionError} />
      {jobs.data && rows.length === 0 && <p className="empty">No jobs in this project yet.</p>}
      {rows.length > 0 && (
        <table>
          <TableHead columns={['Job', 'Status', 'Pipeline', 'Progress', 'Services and workers', 'Created']} actions={can.runJobs} />
          <tbody>
            {rows.map((job) => (
              <tr key={job.id} data-job={job.name}>
                <td>{job.name}</td>
                <td>{job.status}</td>
                <td><code>{job.pipelineSlug}</code></td>
                <td><Progress progress={job.progress} /></td>
                <td>
                  <TookPart job={job} />
                </td>
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
  const [text, setText] = useState('');
  const { submit, error, busy } = useFormSubmit(async (form, element) => {
    const { images, bad } = parseImages(text);
    if (bad.length > 0) throw new ApiError(`Lines ${bad.slice(0, 5).join(', ')} are not "id,url" with an http(s) URL.`, 'BAD_USER_INPUT');
    if (images.length === 0) throw new ApiError('Add at least one "id,url" line.', 'BAD_USER_INPUT');
    await request<Ops.ConsoleCreateJobMutation, Ops.ConsoleCreateJobMutationVariables>('ConsoleCreateJob', {
      input: { name: String(form.get('name')), pipelineSlug: String(form.get('pipelineSlug')), projectId: project.id, images },
    });
    setText('');
    element.reset();
    onCreated();
  });
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
        <button type="submit" disabled={busy}>
          Create job
        </button>
      </form>
    </details>
  );
}
