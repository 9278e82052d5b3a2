/**
 * Export a period: every request of a period and every output of those requests, read from the API,
 * as one report row per output with totals (docs/design.md section 13). Read-only.
 *
 * Requests are listed whole (no date filter is documented) and filtered by created_at here.
 * The listing does not stop early: a server's order is not documented either, and a page that
 * merely looked sorted is no proof that an older request is not on the next one.
 */

import { readOutputs } from "../batch/lookup.js";
import type { BitexClient } from "../bitex/client.js";
import { listingAgainstCounters } from "../bitex/counters.js";
import { ApiError } from "../bitex/errors.js";
import { type ConciergeOutput, DecodeError } from "../bitex/jsonapi.js";
import { groupDigits } from "../decimal.js";
import { BatchError } from "../errors.js";
import { type JournalIndex, readJournalIndex } from "../export/journals.js";
import { type Period, type PeriodArgs, periodOf } from "../export/period.js";
import { ownReadings } from "../export/readings.js";
import {
  cellsOf,
  type DatedRequest,
  EXPORT_COLUMNS,
  type ExportRow,
  exportRows,
  requestsOfPeriod,
} from "../export/rows.js";
import { exportMoney, exportWorkbook } from "../export/summary-sheet.js";
import {
  exportTotals,
  placedRows,
  totalLine,
  type UnknownCurrency,
  unknownCurrencies,
  unknownCurrencyLine,
  unplacedLine,
} from "../export/totals.js";
import { senderCurrency } from "../follow/guard.js";
import { ChargedByRequest, MONEY_RULE, moneyJson, moneyLines, unexplainedSpends } from "../report/money.js";
import { isoTime, operatorZone } from "../time.js";
import type { ReportFormat } from "../writers/dialect.js";
import { checkReportTarget, writeTable } from "../writers/write.js";
import { type ApiArgs, checkCallLimits, connect } from "./connect.js";
import { readOnlyFailure } from "./online.js";
import { type Console, type Outcome, outcomeOf } from "./session.js";

export interface ExportArgs extends ApiArgs, PeriodArgs {
  payer?: string;
  /** Calls started per second at most (Bitex allows 5 per key). */
  rate?: number;
  report?: string;
  /** The CSV dialects, or a typed workbook with a Summary sheet. */
  reportFormat: ReportFormat;
  stateDir: string;
  json: boolean;
  quiet: boolean;
}

/** The request states after which nothing a row shows of the request changes. */
const FINAL_REQUEST_STATES: ReadonlySet<string> = new Set(["finished", "cancelled"]);

/** Output listings in flight at once; the client's gate also holds every call to the rate. */
const WORKERS = 4;

/** Every flag checked before the first call (a typo costs nothing): the period to export. */
export function prepareExport(args: ExportArgs): Period {
  // The operator's zone unless named: a month is the month as the operator lives it.
  const period = periodOf({ ...args, tz: operatorZone(args.tz, args.io?.env, true) });
  if (args.payer !== undefined && !/^\d+$/.test(args.payer))
    throw new BatchError("usage", `--payer: expected a user id (digits), got ${JSON.stringify(args.payer)}`);
  checkCallLimits({ concurrency: WORKERS, rate: args.rate ?? 5 });
  return period;
}

/** Exports one period (from prepareExport): one report row per output, and the totals. */
export function exportPeriod(args: ExportArgs, period: Period, out: Console): Promise<Outcome> {
  return outcomeOf(out, (keeping) => exportWith(args, period, keeping));
}

async function exportWith(args: ExportArgs, period: Period, out: Console): Promise<number> {
  const reportPath = args.report ?? `export-${period.label}.${args.reportFormat === "xlsx" ? "xlsx" : "csv"}`;
  await checkReportTarget(reportPath, args.reportFormat);

  const connection = await connect(args, out, { concurrency: WORKERS, rate: args.rate ?? 5 });
  // Read first: a request the server shows without a time may be placed by its journal entry.
  const journal = await readJournalIndex(args.stateDir, connection.apiUrl, (line) => out.warn(line));
  let listed: Awaited<ReturnType<typeof readPeriod>>;
  try {
    out.info(
      `reading the requests of ${period.from} to ${period.to} (${period.tz}) from ${connection.label}`,
    );
    listed = await readPeriod(connection.client, period, journal, args.payer);
  } catch (error) {
    throw unknownStateFailure(error) ?? readOnlyFailure(error);
  } finally {
    await connection.close();
  }
  const rows = exportRows(listed.requests, listed.outputs, journal, period.tz);
  // The rows hold all the report needs: the listings need not outlive them while it is written.
  listed.outputs.clear();
  const xlsx = exportWorkbook({ period, payer: args.payer, requests: listed.requests.length, rows });
  await writeTable(reportPath, EXPORT_COLUMNS, cellsOfRows(rows), { format: args.reportFormat, xlsx });

  // Unplaced requests are in every period's report, so in no period's totals or money.
  const totals = exportTotals(placedRows(rows));
  const unplaced = exportTotals(placedRows(rows, false));
  const unknown = unknownCurrencies(rows);
  const money = exportMoney(placedRows(rows));
  // Each placed request whose quote spends another figure than its rows are charged, said.
  const charged = new ChargedByRequest();
  for (const row of placedRows(rows)) charged.add(row);
  const unexplained = unexplainedSpends(
    listed.requests.flatMap(({ request }) =>
      charged.sums.has(request.id) ? [{ ...request, currency: senderCurrency(request) }] : [],
    ),
    charged,
  );
  // A list nothing proves whole, or a figure no total holds, is finished work with something
  // to check, never a clean 0.
  const exitCode = listed.whole && unknown.length === 0 ? 0 : 1;
  if (!listed.whole) out.warn(unprovenLine(listed.fromJournals));
  if (unknown.length > 0) out.warn(unknownLine(unknown));
  const span = `${isoTime(period.start, period.tz)} to ${isoTime(period.end, period.tz)}`;
  out.summary([
    `period ${period.from} to ${period.to}, time zone ${period.tz} (${span}, end excluded)`,
    `${plural(listed.requests.length, "request")}, ${plural(rows.length, "output")}` +
      (args.payer === undefined ? "" : ` of payer ${args.payer}`),
    ...totals.map(totalLine),
    ...unknown.map(unknownCurrencyLine),
    ...unplaced.map(unplacedLine),
    ...moneyLines(money, groupDigits),
    ...unexplained,
    ...placedLines(listed.requests),
    `batch, reference and line from ${plural(journal.journals, "local journal")} in ${args.stateDir}`,
    reportPath === "-" ? "report: stdout" : `report: ${reportPath}`,
  ]);
  out.json({
    command: "export",
    period: { from: period.from, to: period.to, tz: period.tz },
    payer: args.payer ?? null,
    requests: listed.requests.length,
    outputs: rows.length,
    totals,
    unplaced_totals: unplaced,
    unknown_currency: unknown,
    money: moneyJson(money),
    money_rule: MONEY_RULE,
    report: reportPath,
    requests_whole: listed.whole,
    exit_code: exitCode,
  });
  return exitCode;
}

/**
 * Every request (all pages), those of the period, then each one's outputs. From a server that
 * ignores paging, whose one answer nothing proves whole, the requests of this machine's
 * journals that the answer lacks are read one by one, and `whole` is false: requests made
 * elsewhere may be missing, and the export says so.
 */
async function readPeriod(client: BitexClient, period: Period, journal: JournalIndex, payer?: string) {
  const { requests: listed, whole } = await client.listRequests();
  const seen = new Set(listed.map((request) => request.id));
  const missing = [...journal.requests.keys()].filter((id) => !seen.has(id));
  if (!whole) for (const id of missing) listed.push(await client.getRequest(id));
  const requests = requestsOfPeriod(listed, period, payer, journal);
  // Each request's count before its outputs are read: outputs are never deleted, so they read at least as many.
  const counts = new Map(requests.map(({ request }) => [request.id, request.outputs_count]));
  const outputs = new Map<string, ConciergeOutput[]>();
  let next = 0;
  let failed: { error: unknown } | undefined;
  // A few workers rather than one promise per request: after the first failure no new listing
  // starts, and none is left in flight when the connection closes.
  const worker = async () => {
    while (failed === undefined && next < requests.length) {
      const at = next++;
      const dated = requests[at] as (typeof requests)[number];
      const { request } = dated;
      try {
        outputs.set(request.id, await readOutputs(client, request.id));
        // A request still moving when listed may have been funded (or cancelled) since: read
        // after its outputs, its state is never older than theirs, so a settled output is never
        // shown beside a quote not yet accepted, and charged nothing. Its period stays the
        // listing's. A finished or cancelled request moves no more.
        if (!FINAL_REQUEST_STATES.has(request.state))
          requests[at] = { ...dated, request: await client.getRequest(request.id) };
      } catch (error) {
        failed ??= { error: unknownStateFailure(error, request.id) ?? error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WORKERS, requests.length) }, worker));
  if (failed) throw failed.error;
  // Outputs in other states than their request counts moved between the two reads (a payout
  // under way), or the listing is older (a cache): read once more; still so, refused.
  for (const [at, { request }] of requests.entries()) {
    if (listingAgainstCounters(request, outputs.get(request.id) ?? []) === null) continue;
    try {
      outputs.set(request.id, await readOutputs(client, request.id));
      if (!FINAL_REQUEST_STATES.has(request.state))
        requests[at] = {
          ...(requests[at] as (typeof requests)[number]),
          request: await client.getRequest(request.id),
        };
    } catch (error) {
      throw unknownStateFailure(error, request.id) ?? error;
    }
  }
  const readings = requests.map(({ request }) => ({
    request,
    countBefore: counts.get(request.id) ?? 0,
    listed: outputs.get(request.id) ?? [],
  }));
  return { requests, outputs: ownReadings(readings), whole, fromJournals: whole ? 0 : missing.length };
}

/**
 * An answer naming a state this version does not know stops the export (a row it cannot
 * read must not be left out of the books), but running again cannot mend it, as "run the
 * command again later" would say: an update of bitex-batch can, or Bitex can say what it means.
 */
function unknownStateFailure(error: unknown, requestId?: string): BatchError | undefined {
  if (error instanceof BatchError || !(error instanceof ApiError)) return undefined;
  const decoded = error.cause;
  if (!(decoded instanceof DecodeError) || decoded.unknownState === undefined) return undefined;
  const { what, id, state, known } = decoded.unknownState;
  const whose = what === "output" && requestId !== undefined ? ` of request ${requestId}` : "";
  return new BatchError(
    "unusable_answer",
    `${what} ${id}${whose} is in state ${JSON.stringify(state)}, which this version of bitex-batch does not know (it knows ${known.join(", ")}): nothing was exported, since an export never leaves a row out`,
    {
      hint: `update bitex-batch (README, "Install") to a version that knows the state, then run the export again; if the newest does not know it either, ask Bitex (developers@bitex.la) what ${JSON.stringify(state)} means`,
      cause: error,
    },
  );
}

/** Each row's cells as the writer reaches it, not every row's at once. */
function* cellsOfRows(rows: readonly ExportRow[]): Generator<string[]> {
  for (const row of rows) yield cellsOf(row);
}

/** The line of an export whose list of requests a server that ignores paging did not let us prove whole. */
function unprovenLine(fromJournals: number): string {
  return (
    "the server ignores paging, so its list of requests cannot be proven whole: requests made outside this machine's batches may be missing" +
    (fromJournals > 0
      ? ` (${plural(fromJournals, "request")} of this machine's journals, which the list lacked, read one by one)`
      : "") +
    "; ask Bitex whether the account has more requests, or run the export where paging works"
  );
}

/** The warning of figures no total holds: how many, and what to do. */
function unknownLine(unknown: readonly UnknownCurrency[]): string {
  const rows = unknown.reduce((sum, u) => sum + u.rows, 0);
  const [are, their, they] = rows === 1 ? ["is", "its", "it is"] : ["are", "their", "they are"];
  return `${plural(rows, "amount")} ${are} in no total, ${their} currency unknown: the server named no port with a currency (see "no known currency" in the totals, and the rows with an empty currency in the report); ask Bitex which currency ${they} in`;
}

/** Which evidence placed the requests in time, when any was not their created_at. */
function placedLines(requests: readonly DatedRequest[]): string[] {
  const by = new Map<string, number>();
  for (const { placedBy } of requests) by.set(placedBy, (by.get(placedBy) ?? 0) + 1);
  if ((by.get("created_at") ?? 0) === requests.length) return [];
  const lines = [...by]
    .filter(([how]) => how !== "unplaced")
    .map(([how, n]) => `${plural(n, "request")} placed by ${how}`);
  const unplaced = by.get("unplaced") ?? 0;
  if (unplaced > 0)
    lines.push(
      `${plural(unplaced, "request")} with no time in any evidence (created_at, quote_requested_at, a local journal): listed in the report with request_placed_by=unplaced, whatever the period, and summed apart ("unplaced, in no period's totals"): ask Bitex when they were made`,
    );
  return [`request times: ${lines.join("; ")}`];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
