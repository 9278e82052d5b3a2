/**
 * What kind of failure a call met, and whether the server may have acted: the words both the
 * retry policy (retry.ts) and the errors (errors.ts) speak. Here so that neither imports the
 * other for them (errors.ts uses the policy's Retry-After parser).
 */
export type ApiErrorKind =
  | "unauthorized"
  /** An HTML or other non-JSON 403/429 (or a Cloudflare 503): Bitex's edge, not the API, refused. */
  | "blocked"
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

/**
 * The client cannot be set up as asked (a malformed or insecure API URL, an unusable key):
 * the client's own error, turned into the CLI's by the one mapper (src/app/stop.ts stopFor).
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly hint: string | undefined;

  constructor(
    /** The BatchError code it maps to. */
    readonly code: "usage" | "insecure_url" | "auth",
    message: string,
    options: { hint?: string } = {},
  ) {
    super(message);
    this.hint = options.hint;
  }
}
