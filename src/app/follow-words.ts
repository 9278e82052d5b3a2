/** The words of the follow-through: each request's state, the guard's figures, the next command. */
import { differenceInMinutes, format as formatDate } from "date-fns";
import { padScale } from "../decimal.js";
import { checkGuard, type GuardResult, senderCurrency } from "../follow/guard.js";
import type { BatchFollow } from "../follow/run.js";
import { minorUnits } from "../ports.js";

const local = (iso: string | null) => (iso ? formatDate(new Date(iso), "yyyy-MM-dd HH:mm:ss") : "?");

function deadline(iso: string | null, now: Date): string {
  if (!iso) return "no deadline given";
  const minutes = differenceInMinutes(new Date(iso), now);
  return `${local(iso)} (${minutes >= 0 ? `in ${minutes} min` : `${-minutes} min ago`})`;
}

export function requestLines(follow: BatchFollow, now: Date): string[] {
  return follow.views.flatMap(({ planned, request }) => {
    if (!request) return [];
    const who = `payer ${planned.payerUserId || "(key owner)"}, ${planned.senderPort}, ${planned.rows.length} row(s)`;
    const spend =
      request.total_to_spend === null
        ? ""
        : `, spends ${padScale(request.total_to_spend, minorUnits(senderCurrency(request)))} ${senderCurrency(request)}`;
    const when =
      request.state === "quoted"
        ? `; accept before ${deadline(request.accept_quote_before, now)}`
        : request.state === "quote_accepted"
          ? `; funds needed by ${deadline(request.provision_funds_before, now)}`
          : request.state === "cancelled"
            ? ` (${request.cancellation_reason ?? "no reason given"})`
            : "";
    return [`request ${request.id} (${who}): ${request.state}${spend}${when}`];
  });
}

export function guardLines(guard: GuardResult): string[] {
  return guard.spend.map(
    (s) =>
      `  ${s.currency}: ${s.total} in ${s.requests} request(s)${s.max === null ? ", no --max-total" : `, --max-total ${s.max}`}`,
  );
}

/** The next command, when the batch is not final yet. */
export function nextLine(csv: string, follow: BatchFollow, guard: GuardResult | null): string | null {
  const states = new Set(follow.views.map((view) => view.request?.state ?? "none"));
  if (states.has("none")) return `next: bitex-batch submit ${csv} (rows not created yet)`;
  if (states.has("draft")) return `next: bitex-batch quote ${csv}`;
  if (states.has("quote_requested")) return `next: bitex-batch quote ${csv} (the quotes are not in yet)`;
  if (states.has("quoted")) {
    const spend = (guard?.spend ?? []).map((s) => `--max-total ${s.currency}=${s.total}`).join(" ");
    const first = follow.views
      .map((view) => view.request?.accept_quote_before)
      .filter((at): at is string => typeof at === "string")
      .sort()[0];
    return `next: bitex-batch accept ${csv} ${spend || "--max-total CUR=AMOUNT"}${first ? ` before ${local(first)}` : ""}`;
  }
  if (follow.openRows() > 0) return `next: bitex-batch status ${csv} --watch`;
  return null;
}

/** What the quotes spend per currency, as `accept` would compare it (no limits given). */
export function spendOf(follow: BatchFollow): GuardResult {
  const requests = follow.views.flatMap((view) => (view.request ? [view.request] : []));
  return { spend: checkGuard(requests, [], new Date()).spend, problems: [] };
}
