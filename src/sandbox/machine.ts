/**
 * The request and output state machines of docs/design.md section 9, as pure decisions. progress.ts
 * applies them (and their side effects: quotes, funding, counters); these functions only say
 * where a state goes next, timeline.ts says when.
 *
 *   request: draft → quote_requested → quoted → quote_accepted → working → finished
 *            draft | quote_requested | quoted → cancelled (client `cancel`)
 *            draft | quoted | quote_accepted (unfunded) → cancelled when a deadline passes
 *   output:  accepting → accepted | rejected       (compliance: may run once the request left
 *                                                    draft; the clock runs it after acceptance)
 *            accepted → working → settling → settled   (while the request is working)
 *            settling → failed → returned            (instruction outcome "returned")
 *            any non-final → cancelled               (when its request is cancelled)
 */
import {
  type CancellationReason,
  FINAL_OUTPUT_STATES,
  type OutputState,
  type RequestState,
} from "../wire/resources.js";

export type RequestAction = "request_quote" | "accept_quote" | "cancel";

interface ActionRule {
  from: readonly RequestState[];
  to: RequestState;
  /** Spanish infinitive for the 422 detail ("No se puede cotizar…"). */
  verb: string;
}

export const REQUEST_ACTIONS: Record<RequestAction, ActionRule> = {
  request_quote: { from: ["draft"], to: "quote_requested", verb: "pedir cotización de" },
  accept_quote: { from: ["quoted"], to: "quote_accepted", verb: "aceptar la cotización de" },
  cancel: { from: ["draft", "quote_requested", "quoted"], to: "cancelled", verb: "cancelar" },
};

export function isRequestAction(name: string): name is RequestAction {
  return Object.hasOwn(REQUEST_ACTIONS, name);
}

/** The state `action` leads to from `state`, or null when the transition is illegal. */
export function applyAction(state: RequestState, action: RequestAction): RequestState | null {
  const rule = REQUEST_ACTIONS[action];
  return rule.from.includes(state) ? rule.to : null;
}

/**
 * The reason a request is cancelled when its deadline passes (advance with `expire`), or null
 * when no deadline applies in this state. quote_accepted only expires if funding failed.
 */
export function expiryReason(state: RequestState): CancellationReason | null {
  switch (state) {
    case "draft":
      return "draft_was_pruned";
    case "quoted":
      return "quote_not_accepted";
    case "quote_accepted":
      return "payment_not_received";
    default:
      return null;
  }
}

export function isFinalOutputState(state: OutputState): boolean {
  return FINAL_OUTPUT_STATES.includes(state);
}

export function isFinalRequestState(state: RequestState): boolean {
  return state === "finished" || state === "cancelled";
}

export interface OutputSituation {
  /** The request's state at the start of the step. */
  requestState: RequestState;
  payeeRejected: boolean;
  outcome: "settled" | "returned";
}

/** One advance step for an output, or null when it stays where it is. */
export function nextOutputState(state: OutputState, situation: OutputSituation): OutputState | null {
  const { requestState } = situation;
  switch (state) {
    case "accepting":
      // Compliance runs once the client has asked for a quote; drafts are the client's business.
      if (requestState === "draft" || isFinalRequestState(requestState)) return null;
      return situation.payeeRejected ? "rejected" : "accepted";
    case "accepted":
      return requestState === "working" ? "working" : null;
    case "working":
      return "settling";
    case "settling":
      return situation.outcome === "returned" ? "failed" : "settled";
    case "failed":
      return "returned";
    default:
      return null;
  }
}
