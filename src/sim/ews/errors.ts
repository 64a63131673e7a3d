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

/** Runs one unit of a response (one folder, one item) and turns its refusal into an Error message. */
export function responseFor(run: () => ResponseMessage, errorPayload?: ResponseMessage['payload']): ResponseMessage {
  try {
    return run();
  } catch (error) {
    if (error instanceof EwsResponseError) {
      const message = error.toResponseMessage();
      return error.payload || !errorPayload ? message : { ...message, payload: errorPayload };
    }
    throw error;
  }
}
