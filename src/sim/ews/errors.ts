import type { ResponseMessage } from './soap.js';

/**
 * A refusal that belongs in one response message (class Error), e.g. ErrorItemNotFound for one
 * item of a MoveItem while the others succeed.
 */
export class EwsResponseError extends Error {
  constructor(
    readonly responseCode: string,
    message: string,
    readonly payload?: ResponseMessage['payload'],
  ) {
    super(message);
    this.name = 'EwsResponseError';
  }

  toResponseMessage(): ResponseMessage {
    return {
      responseClass: 'Error',
      responseCode: this.responseCode,
      messageText: this.message,
      ...(this.payload ? { payload: this.payload } : {}),
    };
  }
}

/** A refusal of the whole request: HTTP 500 with a SOAP fault, as Exchange answers it. */
export class EwsFault extends Error {
  constructor(
    readonly responseCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'EwsFault';
  }
}

/** A refusal of this unit becomes its Error message (with `errorPayload` unless it brings its own); anything else propagates. */
function refusalMessage(error: unknown, errorPayload: ResponseMessage['payload'] | undefined): ResponseMessage {
  if (!(error instanceof EwsResponseError)) throw error;
  const message = error.toResponseMessage();
  return error.payload || !errorPayload ? message : { ...message, payload: errorPayload };
}

/** Runs one unit of a response (one folder, one item) and turns its refusal into an Error message. */
export function responseFor(run: () => ResponseMessage, errorPayload?: ResponseMessage['payload']): ResponseMessage {
  try {
    return run();
  } catch (error) {
    return refusalMessage(error, errorPayload);
  }
}

/** {@link responseFor} for a unit that waits, e.g. on composing or parsing MIME. */
export async function responseForAsync(run: () => Promise<ResponseMessage>, errorPayload?: ResponseMessage['payload']): Promise<ResponseMessage> {
  try {
    return await run();
  } catch (error) {
    return refusalMessage(error, errorPayload);
  }
}
