import type { ApolloServerPlugin } from '@apollo/server';
import { getArgumentValues, getVariableValues, GraphQLError, Kind, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { ValidationError } from '../core/errors';
import type { GatewayContext } from '../graphql/context';
import type { ReportedClientInfo } from '../processing-services/client-info';

/** The argument through which worker operations report the worker (heartbeat, registration, tasks). */
const REPORT_ARGUMENT = 'clientInfo';

/** The `clientInfo` a root field of the operation carries, once its variables coerce; else undefined. */
function reportIn(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): ReportedClientInfo | undefined {
  const rootFields = schema.getRootType(operation.operation)?.getFields();
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const field = rootFields?.[selection.name.value];
    if (!field?.args.some((arg) => arg.name === REPORT_ARGUMENT)) continue;
    // Bad variables are execution's to report; the heartbeat then goes without the report.
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
    if (!coerced.coerced) return undefined;
    try {
      return (getArgumentValues(field, selection, coerced.coerced)[REPORT_ARGUMENT] as ReportedClientInfo | null) ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Every request made with an API key is a heartbeat of its service, with the worker's report when
 * the operation carries one: recorded here, once, before the operation runs, so what it returns
 * already shows the service as seen. Recording touches no database; the heartbeat service writes
 * behind.
 */
export function heartbeatPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (contextValue.principal.kind !== 'service') return;
      const caller = contextValue.principal;
      return {
        async didResolveOperation({ schema, operation, request }) {
          const { services, client } = contextValue;
          try {
            services.heartbeats.record(caller, client, operation && reportIn(schema, operation, request.variables));
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            // A report that cannot be kept is refused, but the worker did call in.
            services.heartbeats.record(caller, client);
            throw new GraphQLError(error.message, {
              extensions: { code: error.code, field: error.path, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
