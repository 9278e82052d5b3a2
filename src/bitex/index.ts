/** The Bitex client layer: import from here. */
export { type BitexClient, type BitexClientOptions, createBitexClient, type RetryInfo } from "./client.js";
export {
  ApiError,
  type ApiErrorKind,
  errorFromFailure,
  errorFromResponse,
  type Sent,
  type ServerErrorObject,
} from "./errors.js";
export {
  CallGate,
  type CallGateOptions,
  type Clock,
  type GateCall,
  GateClosedError,
  realClock,
} from "./gate.js";
export { encodeJson, JsonNumber, parseJson } from "./json.js";
export type {
  ConciergeOutput,
  ConciergeRequest,
  OutputInput,
  Port,
  User,
  WithdrawalInstruction,
} from "./jsonapi.js";
export {
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryDecision,
  type RetryPolicy,
  retryDecision,
} from "./retry.js";
export { createFetchTransport, type HttpRequest, type HttpResponse, type Transport } from "./transport.js";
export { checkApiUrl, isLoopback } from "./url.js";
