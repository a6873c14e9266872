import { request } from '../api';
import type * as Ops from '../generated/graphql';
import { POLL_MS, type Project, type Permissions, ErrorMessage, TableHead, UpdatedAt, useFormSubmit, useQuery, When } from '../shared';

export function StatusDot({ status }: { status: string }) {
  return (
    <span className={`status status-${status.toLowerCase()}`}>
      <span className="dot" aria-hidden="true" />
      {status}
    </span>
  );
}

export function ServiceList({ project, can, open }: { project: Project; can: Permissions; open: (id: string) => void }) {
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
        <UpdatedAt at={services.updatedAt} />
      </div>
      <ErrorMessage error={services.error} />
      {can.manageServices && <CreateService project={project} onCreated={(id) => open(id)} />}
      {services.data && rows.length === 0 && <p className="empty">No processing services in this project yet.</p>}
      {rows.length > 0 && (
        <table>
          <TableHead columns={['Name', 'Mode', 'Status', 'Key prefix', 'Last seen', 'Last known worker', 'Pipelines']} />
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
  const { submit, error, busy } = useFormSubmit(async (form) => {
    const data = await request<Ops.ConsoleCreateServiceMutation, Ops.ConsoleCreateServiceMutationVariables>('ConsoleCreateService', {
      input: {
        name: String(form.get('name')),
        description: String(form.get('description') ?? ''),
        endpointUrl: String(form.get('endpointUrl') ?? '') || null,
        projectIds: [project.id],
      },
    });
    onCreated(data.createProcessingService.id);
  });
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
        <button type="submit" disabled={busy}>
          Create service
        </button>
      </form>
    </details>
  );
}
