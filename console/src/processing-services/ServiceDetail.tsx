import { useState } from 'react';
import { request } from '../api';
import type * as Ops from '../generated/graphql';
import { NewKeyDialog } from '../api-keys/NewKeyDialog';
import { StatusDot } from './ServiceList';
import { POLL_MS, type Project, type Permissions, ErrorMessage, TableHead, useFormSubmit, useQuery, When } from '../shared';

export function ServiceDetail({ id, projects, can, back }: { id: string; projects: Project[]; can: Permissions; back: () => void }) {
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
          <Workers workers={data.workers} />
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
                  <TableHead columns={['Prefix', 'Name', 'Created', 'Last used', 'Expires', 'State']} actions />
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
          {data.auditEvents && <Activity events={data.auditEvents} />}
        </>
      )}
      {newKey && <NewKeyDialog secret={newKey.key} prefix={newKey.prefix} onClose={() => setNewKey(null)} />}
    </section>
  );
}

/** The fleet: every worker seen within the online window, not only the last one. */
function Workers({ workers }: { workers: NonNullable<Ops.ConsoleServiceQuery['processingService']>['workers'] }) {
  return (
    <section aria-labelledby="workers-title" className="panel">
      <h2 id="workers-title">Workers online ({workers.length})</h2>
      {workers.length === 0 ? (
        <p className="empty">No worker has reported in within the online window.</p>
      ) : (
        <table>
          <TableHead columns={['Worker', 'Software', 'Platform', 'Address', 'User agent', 'Last seen']} />
          <tbody>
            {workers.map((worker) => (
              <tr key={worker.identity} data-worker={worker.identity}>
                <td>{worker.identity}</td>
                <td>{[worker.software, worker.version].filter(Boolean).join(' ')}</td>
                <td>{worker.platform}</td>
                <td><code>{worker.ip}</code></td>
                <td>{worker.userAgent}</td>
                <td><When iso={worker.lastSeen} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type AuditEvents = NonNullable<NonNullable<Ops.ConsoleServiceQuery['processingService']>['auditEvents']>;

/** The service's audit trail: who changed it or its keys, when and from where. */
function Activity({ events }: { events: AuditEvents }) {
  return (
    <section aria-labelledby="activity-title" className="panel">
      <h2 id="activity-title">Activity</h2>
      {events.edges.length === 0 ? (
        <p className="empty">Nothing recorded yet.</p>
      ) : (
        <table>
          <TableHead columns={['When', 'What', 'Key', 'Who', 'From']} />
          <tbody>
            {events.edges.map(({ node }) => (
              <tr key={node.id} data-audit={node.action}>
                <td><When iso={node.occurredAt} /></td>
                <td>{node.action.toLowerCase().replaceAll('_', ' ')}</td>
                <td>{node.apiKeyPrefix ? <code>{node.apiKeyPrefix}</code> : <span className="muted">—</span>}</td>
                <td>{node.actorLabel}</td>
                <td title={node.userAgent ?? undefined}>{node.ip ?? <span className="muted">CLI</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {events.totalCount > events.edges.length && (
        <p className="muted">
          The newest {events.edges.length} of {events.totalCount}.
        </p>
      )}
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
  const [saved, setSaved] = useState(false);
  const { submit, error, busy } = useFormSubmit(async (form) => {
    setSaved(false);
    await request<Ops.ConsoleUpdateServiceMutation, Ops.ConsoleUpdateServiceMutationVariables>('ConsoleUpdateService', {
      id: service.id,
      input: {
        name: String(form.get('name')),
        description: String(form.get('description') ?? ''),
        endpointUrl: String(form.get('endpointUrl') ?? '') || null,
        projectIds: form.getAll('projectIds').map(String),
      },
    });
    setSaved(true);
    onSaved();
  });
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
        <button type="submit" disabled={busy}>
          Save
        </button>
      </form>
    </details>
  );
}
