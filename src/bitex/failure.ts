/**
 * What kind of failure a call met, and whether the server may have acted: the words both the
 * retry policy (retry.ts) and the errors (errors.ts) speak. Here so that neither imports the
 * other for them (errors.ts uses the policy's Retry-After parser).
 */
export type ApiErrorKind =
  | "unauthorized"
  | "not_found"
  | "validation"
  | "rate_limited"
  | "server"
  | "network"
  | "timeout"
  | "bad_response"
  | "client"
  | "interrupted";

/** "no": the server certainly did not act (refused, rejected, never reached). "maybe": it may have. */
export type Sent = "no" | "maybe";
