/**
 * How far a plain `submit` leaves its batch, and the words for it. A plain submit speaks from
 * its journal (the steps this machine took on the batch, docs/design.md section 12, each
 * journaled after the server answered) and from the requests as it read them while it ran
 * (`withReadStates`): a request someone else quoted or accepted is said as the server shows
 * it. `status` reads the server for the rest (a batch accepted here may be final by now).
 */
import type { JournalState } from "../batch/journal.js";
import { otherDraftsWords } from "../follow/remaining.js";
import { remainingPath } from "../report/remaining.js";
import { batchCommand, NO_ROW_FLAGS, type RowFlags } from "../shell-words.js";
import type { Stage } from "./follow-words.js";

/** Request states past a step: the server showed it done (a request found, not created, by this run). */
const QUOTE_ASKED: ReadonlySet<string> = new Set(["quote_requested", "quoted"]);
const ACCEPTED: ReadonlySet<string> = new Set(["quote_accepted", "working", "finished"]);

/**
 * Each request's state as this run read it, and a read of those it did not (every row of
 * theirs created before it): a plain submit's words say where each is at Bitex. A request
 * that cannot be read keeps its journaled state.
 */
export async function readUnread(
  api: { getRequest(id: string): Promise<{ state: string }> },
  past: JournalState,
  read: ReadonlyMap<string, string>,
): Promise<ReadonlyMap<string, string>> {
  const states = new Map(read);
  for (const { requestId } of past.requests.values()) {
    if (states.has(requestId)) continue;
    const request = await api.getRequest(requestId).catch(() => null);
    if (request) states.set(requestId, request.state);
  }
  return states;
}

/** The journal's requests, each with its state as this run read it, where it read it. */
export function withReadStates(past: JournalState, states: ReadonlyMap<string, string>): JournalState {
  const requests = new Map(
    [...past.requests].map(([key, request]) => [
      key,
      { ...request, state: states.get(request.requestId) ?? request.state },
    ]),
  );
  return { ...past, requests };
}

const STAGES: readonly Stage[] = ["none", "staged", "quoted", "accepted", "final"];

/**
 * `none` unless every row was created; else the least advanced request's step decides: a step
 * this machine journaled done, or the request's state as the server showed it when journaled.
 * A request read as cancelled is final (as `status` says it), whatever step it had reached:
 * nothing moves it any more, so every request cancelled is `final`, never `quoted`.
 */
export function journalStage(past: JournalState, allCreated: boolean): Stage {
  if (!allCreated || past.requests.size === 0) return "none";
  let stage: Stage = "final";
  for (const { requestId, state } of past.requests.values()) {
    const steps = past.steps.get(requestId) ?? {};
    const at: Stage =
      state === "cancelled"
        ? "final"
        : steps.accept_quote === "done" || ACCEPTED.has(state)
          ? "accepted"
          : steps.request_quote === "done" || QUOTE_ASKED.has(state)
            ? "quoted"
            : "staged";
    if (STAGES.indexOf(at) < STAGES.indexOf(stage)) stage = at;
  }
  return stage;
}

/**
 * The next step of a batch holding an output Bitex answered otherwise than sent (journal
 * `differs`): the gate never quotes its request; null when none does.
 */
export function differingNext(
  past: JournalState,
  csv: string,
  flags: RowFlags,
  remaining: string,
): string | null {
  const ids = new Set<string>();
  const all = new Set<string>();
  for (const record of past.rows.values()) {
    if (record.status !== "created") continue;
    all.add(record.requestId);
    if (record.differs) ids.add(record.requestId);
  }
  if (ids.size === 0) return null;
  const sorted = (set: Iterable<string>) =>
    [...set].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  // Staged: every request of the batch is a draft.
  const others = sorted(all).filter((id) => !ids.has(id));
  return `next: cancel request(s) ${sorted(ids).join(", ")} at Bitex (they hold outputs not as this batch sent them; nothing is paid from a request not quoted)${otherDraftsWords(others)}, then ${batchCommand(flags, "status", csv)} writes ${remaining} with their rows (README: "A request with extra outputs")`;
}

/** The requests read cancelled (a lapsed quote, funds that never came, at Bitex): their rows are not paid. */
export function journalCancelled(past: JournalState): string[] {
  return [...past.requests.values()].flatMap(({ requestId, state }) =>
    state === "cancelled" ? [requestId] : [],
  );
}

/**
 * The words of a submit that took no money step on its batch and whose rows Bitex refused in
 * part (`refused`), the others (`created`) created in draft requests: nobody is paid. `until`:
 * the `--until` it was given, which those rows stopped before any quote (null: a plain
 * submit). The way on is `quote --allow-partial`, as the gate needs; with no row created there
 * is nothing to quote, and no next step (the remaining file's line names what pays them).
 */
export function refusedWords(
  refused: number,
  created: number,
  csv: string,
  /** The batch's remaining file, where the refused rows are. */
  remaining: string,
  until: string | null,
  flags: RowFlags = NO_ROW_FLAGS,
): { notice: string; next: string | null } {
  if (created === 0)
    return {
      notice: "NOT PAID: no row was created (Bitex refused every row, see the report); nobody is paid",
      next: null,
    };
  const notice =
    until === null
      ? `NOT PAID: ${refused} row(s) refused by Bitex (see the report); the other ${created} row(s) created in draft requests; nobody is paid`
      : `NOT PAID: ${refused} row(s) refused by Bitex (see the report), so nothing was quoted: --until ${until} quotes a batch only once every row is created; nobody is paid`;
  return {
    notice,
    next: `next: ${batchCommand(flags, "quote", csv, "--allow-partial")} (quotes the other rows without them; they are in ${remaining})`,
  };
}

/**
 * The requests an earlier run accepted (`done`), and those whose accept it sent without
 * recording an answer (`intent` only): such an accept may have landed at Bitex.
 */
export function journalAccepts(past: JournalState): JournalAccepts {
  const accepted: string[] = [];
  const unclear: string[] = [];
  const found: string[] = [];
  for (const { requestId, state } of past.requests.values()) {
    const steps = past.steps.get(requestId) ?? {};
    if (steps.accept_quote === "done") accepted.push(requestId);
    else if (steps.accept_quote === "intent") unclear.push(requestId);
    // Past draft at Bitex with no step of this machine's to say so: found so (the journal gone, another machine).
    if (state !== "draft" && !steps.request_quote && !steps.accept_quote)
      found.push(`${requestId} (${state})`);
  }
  return { accepted, unclear, found };
}

/** journalAccepts: `found` lists requests as "id (state)". */
export interface JournalAccepts {
  accepted: readonly string[];
  unclear: readonly string[];
  found: readonly string[];
}

/**
 * The notice a log reader cannot take for "paid" (none once accepted), and the one next step.
 * `accepts` (journalAccepts): a batch below `accepted` with a request accepted, or an accept
 * that may have landed, is never said as NOT PAID: the server says which. `more.cancelled`
 * (journalCancelled): requests read cancelled, whose rows are not paid and never will be by
 * this batch; beside them no accept is promised, and no quote advised (the gate refuses it).
 */
export function stageWords(
  stage: Stage,
  rows: number,
  csv: string,
  accepts: JournalAccepts = { accepted: [], unclear: [], found: [] },
  /** The run's input options that change the rows: every command printed carries them. */
  flags: RowFlags = NO_ROW_FLAGS,
  /**
   * `remaining`: the batch's remaining file, which `status` writes with a cancelled request's
   * rows. `refused`: rows Bitex refused at create, which a money step (quote --allow-partial)
   * left out: in no quote, and every quote or accept of the batch needs --allow-partial.
   */
  more: { cancelled?: readonly string[]; remaining?: string; refused?: number } = {},
): { notice: string | null; next: string } {
  const read = `next: ${batchCommand(flags, "status", csv)} (reads where each request and row is at Bitex)`;
  const cancelled = more.cancelled ?? [];
  // Accepted and then cancelled (funds that never came): no money committed for their rows now.
  const accepted = accepts.accepted.filter((id) => !cancelled.includes(id));
  if (accepts.found.length > 0) {
    return {
      notice: `FOUND PAST DRAFT: request(s) ${accepts.found.join(", ")} had left draft at Bitex when this run found them; this machine's journal does not say how far they got`,
      next: read,
    };
  }
  if (stage !== "accepted" && accepts.unclear.length > 0) {
    return {
      notice: `ACCEPT UNCLEAR: an earlier run sent the accept of request(s) ${accepts.unclear.join(", ")} and recorded no answer: it may have been accepted (money committed); the server says which`,
      next: read,
    };
  }
  const lost = `request(s) ${cancelled.join(", ")} cancelled at Bitex (their rows not paid, and not charged)`;
  if (stage !== "accepted" && accepted.length > 0) {
    return {
      notice:
        cancelled.length > 0
          ? `PARTLY ACCEPTED: request(s) ${accepted.join(", ")} accepted by an earlier run (money committed for their rows); ${lost}; the other requests' rows are not paid either: accept refuses a batch with a cancelled request`
          : `PARTLY ACCEPTED: request(s) ${accepted.join(", ")} accepted by an earlier run (money committed for their rows); the other requests' rows are not paid until their quotes are accepted`,
      next: read,
    };
  }
  // Nothing accepted (an accept the server shows, not this journal, is said as accepted below).
  if (cancelled.length > 0 && accepted.length === 0 && stage !== "accepted") {
    const remaining = more.remaining ?? remainingPath(csv);
    return {
      notice:
        stage === "staged" || stage === "quoted"
          ? `${stage === "quoted" ? "QUOTED" : "STAGED"}, NOT PAID: nobody is paid; ${lost}, and accept refuses a batch with a cancelled request`
          : `NOT PAID: ${lost}`,
      next: `next: ${batchCommand(flags, "status", csv)} (reads every request at Bitex and writes ${remaining} with the rows not paid, to submit)`,
    };
  }
  const refused = more.refused ?? 0;
  const partial = refused > 0 ? ["--allow-partial"] : [];
  const left = refused > 0 ? `; ${refused} row(s) refused by Bitex are in no quote (see the report)` : "";
  if (stage === "staged") {
    return {
      notice: `STAGED, NOT PAID: ${rows} row(s) created in draft requests; nobody is paid until the quotes are requested and accepted (submit --until final --max-total CUR=AMOUNT does it all in one run)${left}`,
      next: `next: ${batchCommand(flags, "quote", csv, ...partial)}`,
    };
  }
  if (stage === "quoted") {
    return {
      notice: `QUOTED, NOT PAID: quotes were requested by an earlier run; nobody is paid until they are accepted${left}`,
      next: `next: ${batchCommand(flags, "quote", csv, ...partial)} (prints the quotes, their deadline and the accept command)`,
    };
  }
  return {
    notice: null,
    next: `next: ${batchCommand(flags, "status", csv)} (the quotes were accepted by an earlier run: it shows where each row is and what was charged)`,
  };
}
