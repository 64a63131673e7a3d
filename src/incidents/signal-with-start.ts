import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConnectionLike } from '@temporalio/client';

/** Where the service's answer to one signal-with-start call is put: did it start the workflow? */
const answers = new AsyncLocalStorage<{ started?: boolean }>();

/**
 * The connection with SignalWithStartWorkflowExecution's `started` answer kept: the SDK's
 * `signalWithStart` returns only the run id, but the service also says whether it started a
 * new workflow or signalled the running one, which the API reports as `started` / `merged`.
 */
export function reportingStarts(connection: ConnectionLike): ConnectionLike {
  const service = connection.workflowService;
  const workflowService = new Proxy(service, {
    get(target, property, receiver) {
      if (property !== 'signalWithStartWorkflowExecution') return Reflect.get(target, property, receiver);
      return async (request: Parameters<typeof service.signalWithStartWorkflowExecution>[0]) => {
        const response = await target.signalWithStartWorkflowExecution(request);
        const answer = answers.getStore();
        if (answer) answer.started = response.started ?? false;
        return response;
      };
    },
  });
  return new Proxy(connection, { get: (target, property, receiver) => (property === 'workflowService' ? workflowService : Reflect.get(target, property, receiver)) });
}

/** Runs one signal-with-start call and says whether it started the workflow. */
export async function startedBy(call: () => Promise<unknown>): Promise<boolean> {
  const answer: { started?: boolean } = {};
  await answers.run(answer, call);
  if (answer.started === undefined) throw new Error('the connection does not report whether signal-with-start started the workflow');
  return answer.started;
}
