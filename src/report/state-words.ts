/**
 * The terminal's words for a row's state. The report and `--json` keep Bitex's names (an
 * output's `state`) and the report's statuses; the terminal says what each means for the
 * person paid, with the name after it, so a line can be found in the report. No word reads
 * like a command (`accepting` is Bitex checking the payee, not `accept`). README, "States".
 */
const WORDS: Readonly<Record<string, string>> = {
  // An output's states at Bitex, in the order a payment goes through them.
  accepting: "payee being checked by Bitex",
  // The payment's checks, not the payee's compliance review (helper-108: "payee approved" was
  // said beside "not approved by Bitex's compliance review" of the same payee).
  accepted: "checks passed, not paid yet",
  working: "being paid",
  settling: "payout sent, settling",
  settled: "paid",
  failed: "payout failed",
  returned: "paid out, then returned",
  rejected: "payee rejected by Bitex",
  cancelled: "cancelled, not paid",
  // A row without an output state (the report's status).
  created: "created, state not read yet",
  create_failed: "refused by Bitex when created",
  pending: "not created yet",
  not_listed: "created, not in Bitex's listing yet",
  blocked: "not sent (other rows invalid)",
  invalid: "invalid, not sent",
  valid: "valid, not sent",
};

/**
 * A row's state by one name: the output's state at Bitex for a created row ("created" while
 * not read), `create_failed` for a create Bitex refused (no payout that `failed`),
 * `not_listed` for a row whose output the journal holds and an old listing lacks (created:
 * never "not created"), `created` for one listed in a state its request does not count
 * (`states_behind`), else the report's status.
 */
export function rowState(row: { status: string; state?: string; code?: string }): string {
  if (row.status === "created") return row.state || "created";
  if (row.status === "pending" && row.code === "not_listed") return "not_listed";
  // Listed, in a state the request does not count (an old list): created, its state not read.
  if (row.status === "pending" && row.code === "states_behind") return "created";
  return row.status === "failed" ? "create_failed" : row.status;
}

/** "payee being checked by Bitex (accepting)": the words, then Bitex's or the report's name. */
export function stateWords(state: string): string {
  const words = WORDS[state];
  return words === undefined ? state : `${words} (${state})`;
}

/** Every state the terminal words, for the README's table (and its test). */
export const WORDED_STATES: readonly string[] = Object.keys(WORDS);
