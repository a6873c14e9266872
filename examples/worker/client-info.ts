import os from 'node:os';
import { version } from '../../package.json';
import type { ClientInfoInput } from './generated/graphql';

export const SOFTWARE = 'ps-gateway-example-worker';

/** What this worker tells the gateway about itself; the gateway adds the ip and user agent it sees. */
export function describeWorker(env: NodeJS.ProcessEnv = process.env): ClientInfoInput {
  return {
    hostname: os.hostname(),
    software: SOFTWARE,
    version,
    platform: `${os.type()} ${os.release()} ${os.arch()}; node ${process.version}`,
    // Set from the Kubernetes downward API when the worker runs in a pod.
    podName: env.POD_NAME || null,
  };
}

/** The User-Agent header: software/version, as the gateway records it. */
export function userAgent(): string {
  return `${SOFTWARE}/${version} (node ${process.version}; ${os.platform()})`;
}
