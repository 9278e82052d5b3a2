/**
 * The quote gate (pure). Bitex has no idempotency keys, so no settle delay can rule out a
 * create that lands late, and another writer may share the key. Money moves only when a
 * quote is accepted, so before `request_quote`, and again before `accept_quote`, a request
 * must hold exactly the batch's rows: every journaled output listed, nothing else, and the
 * server's count agreeing with the listing.
 */

import type { JournalState } from "../batch/journal.js";
import { outputMatchesRow, toServerOutput } from "../batch/reconcile.js";
import type { ConciergeRequest } from "../bitex/jsonapi.js";
import type { ValidRow } from "../model.js";
import type { OutputFacts, RequestView } from "./read.js";

export type GateProblem =
  /** Rows not created yet: `submit` must finish first. */
  | { kind: "unfinished"; message: string }
  /** Rows never created in a request that left draft (quoted by someone else): they can never join it. */
  | { kind: "stranded"; message: string }
  /** Rows the server refused: quoting would leave them out for good. */
  | { kind: "partial"; message: string }
  /** The request holds outputs that are not the batch's, or the listing cannot be trusted. */
  | { kind: "polluted"; message: string }
  /** The request was cancelled (a lapsed quote, at Bitex): the batch is never quoted nor accepted again. */
  | { kind: "cancelled"; message: string; requestId: string }
  /** The request holds rows the batch released to its remaining file, which pays them. */
  | { kind: "released"; message: string }
  /**
   * Answered in Bitex's older version, where a quote is accepted by itself unless cancelled
   * before `cancellable_until`: no accept, so no guard, would stand before the money.
   */
  | { kind: "older_version"; message: string };

export interface GateOptions {
  /** `--allow-partial`: rows that failed to create may be left out of the quote. */
  allowPartial: boolean;
}

const MAX_NAMED = 10;

function named(items: readonly string[]): string {
  const shown = items.slice(0, MAX_NAMED).join(", ");
  return items.length > MAX_NAMED ? `${shown} and ${items.length - MAX_NAMED} more` : shown;
}

/** Lines of the batch that an extra output duplicates, so the operator knows whose payment it is. */
function duplicatedLines(extra: readonly OutputFacts[], rows: readonly ValidRow[]): string[] {
  return extra.map((output) => {
    const server = toServerOutput(output);
    const row = server && rows.find((candidate) => outputMatchesRow(server, candidate));
    return row ? `${output.id} (a second output for line ${row.line})` : output.id;
  });
}

export function checkGate(view: RequestView, journal: JournalState, options: GateOptions): GateProblem[] {
  const { planned, request } = view;
  const label = `request for ${planned.payerUserId || "the key's owner"} from ${planned.senderPort}`;
  if (!request) {
    return [{ kind: "unfinished", message: `no ${label} on the server: nothing of it was created` }];
  }
  const problems: GateProblem[] = [...olderVersionProblem(request)];
  if (view.extra.length > 0) {
    problems.push({
      kind: "polluted",
      message: `request ${request.id} holds ${view.extra.length} output(s) that are not this batch's rows: ${named(duplicatedLines(view.extra, planned.rows))}`,
    });
  }
  // An output Bitex answered otherwise than sent (another amount, another account): a quote
  // would pay what Bitex holds (helper-113).
  const differing = planned.rows.flatMap((row) => {
    const record = journal.rows.get(row.line);
    return record?.status === "created" && record.requestId === request.id && record.differs
      ? [`${record.outputId} (line ${row.line}: ${record.differs})`]
      : [];
  });
  if (differing.length > 0) {
    problems.push({
      kind: "polluted",
      message: `request ${request.id} holds ${differing.length} output(s) not as this batch sent them: ${named(differing)}`,
    });
  }
  if (view.unlisted.length > 0) {
    problems.push({
      kind: "polluted",
      message: `request ${request.id}: the listing lacks journaled output(s) ${named(view.unlisted)}`,
    });
  }
  if (request.outputs_count !== view.outputs.length) {
    problems.push({
      kind: "polluted",
      message: `request ${request.id} counts ${request.outputs_count} outputs but the listing showed ${view.outputs.length}`,
    });
  }
  const failed = view.missing.filter((row) => journal.rows.get(row.line)?.status === "failed");
  const unfinished = view.missing.filter((row) => journal.rows.get(row.line)?.status !== "failed");
  if (unfinished.length > 0) {
    const lines = named(unfinished.map((r) => String(r.line)));
    problems.push(
      request.state === "draft"
        ? { kind: "unfinished", message: `request ${request.id}: line(s) ${lines} not created yet` }
        : {
            kind: "stranded",
            message: `request ${request.id} is ${request.state} without line(s) ${lines}, which were never created (a request that left draft takes no more outputs)`,
          },
    );
  }
  if (failed.length > 0 && !options.allowPartial) {
    problems.push({
      kind: "partial",
      message: `request ${request.id}: line(s) ${named(failed.map((r) => String(r.line)))} failed to create; a quoted request takes no more outputs`,
    });
  }
  return problems;
}

/** The 2019 guide: "if you did not [cancel], the quote will be considered accepted". */
export function olderVersionProblem(request: ConciergeRequest): GateProblem[] {
  if (!request.older_version) return [];
  const until = request.cancellable_until;
  const fate =
    request.state === "draft"
      ? "a quote asked there is accepted by itself unless cancelled in time, with no accept nor --max-total before the money"
      : `its quote is accepted by itself${until ? ` at ${until}` : ""} unless the request is cancelled at Bitex before then`;
  return [
    {
      kind: "older_version",
      message: `request ${request.id} is answered in Bitex's older API version (outputs_total, cancellable_until: Version 2.0 not honoured); ${fate}`,
    },
  ];
}
