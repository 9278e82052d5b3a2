/**
 * The money of a workbook's Summary sheet (the batch report's and the export's): per currency
 * in the file, quoted, charged, refunded, net and received, the rule, then why a quoted figure
 * was not charged or came back. Cells typed as the sheet's other money (xlsx-lines.ts).
 */
import type { SummaryLine } from "../writers/xlsx-lines.js";
import { type CurrencyMoney, MONEY_RULE, NOT_RECEIVED_WORDS, notReceivedShown, WHY_WORDS } from "./money.js";

export const MONEY_TITLE = "Money per currency: quoted, charged, refunded, net";
/** The figures to reconcile first, left, where a narrow window or a printed page shows them. */
export const MONEY_HEADER = [
  "Currency",
  "Quoted",
  "Charged",
  "Refunded",
  "Net",
  "Received by payees",
  "In the file (receive)",
  "In the file (spend)",
] as const;
export const NOT_CHARGED_TITLE = "Quoted but not charged, or refunded";
export const NOT_RECEIVED_TITLE = "In the file but not received by payees";

/**
 * `inFile`: the report's Summary has the file's figures; an export has no file, and columns
 * of zeros there would read as "nothing was in the file".
 */
export function moneySheetLines(
  money: readonly CurrencyMoney[],
  { inFile }: { inFile: boolean },
): SummaryLine[] {
  const columns = inFile ? MONEY_HEADER.length : MONEY_HEADER.length - 2;
  const lines: SummaryLine[] = [
    { cells: [MONEY_TITLE], bold: true },
    { cells: MONEY_HEADER.slice(0, columns), bold: true },
  ];
  for (const m of money) {
    const cash = (total: string) => ({ money: total, currency: m.currency });
    const cells = [
      m.currency,
      cash(m.quoted.total),
      cash(m.charged.total),
      cash(m.refunded.total),
      cash(m.net),
      cash(m.received.total),
      cash(m.inFileReceive.total),
      cash(m.inFileSpend.total),
    ];
    lines.push({ cells: cells.slice(0, columns) });
  }
  // One clause a row: a sheet's cell shows one line, and a long one runs off the page.
  lines.push(...ruleLines().map((text): SummaryLine => ({ cells: [text] })));
  lines.push(
    ...whySection(
      NOT_CHARGED_TITLE,
      money.flatMap((m) =>
        m.notCharged.map((n) =>
          whyLine(
            m.currency,
            n,
            `${WHY_WORDS[n.why]}${n.reasons.length > 0 ? ` (${n.reasons.join(", ")})` : ""}`,
          ),
        ),
      ),
    ),
    ...whySection(
      NOT_RECEIVED_TITLE,
      inFile
        ? money.flatMap((m) =>
            notReceivedShown(m).map((n) => whyLine(m.currency, n, NOT_RECEIVED_WORDS[n.why])),
          )
        : [],
    ),
  );
  lines.push({ cells: [] });
  return lines;
}

/** One reason a figure differs: currency, rows, total, lines, and the sentence last (it runs on into the empty cells to its right). */
function whyLine(
  currency: string,
  n: { rows: number; total: string; lines: number[] },
  why: string,
): SummaryLine {
  return { cells: [currency, n.rows, { money: n.total, currency }, n.lines.join(", ") || null, why] };
}

/** A titled table of reasons, after a blank line; nothing when there is none. */
function whySection(title: string, rows: SummaryLine[]): SummaryLine[] {
  if (rows.length === 0) return [];
  return [
    { cells: [] },
    { cells: [title], bold: true },
    { cells: ["Currency", "Rows", "Total", "Lines", "Why"], bold: true },
    ...rows,
  ];
}

/** The rule, one clause a line: "Rule: quoted: …", then "charged: …", … */
export function ruleLines(): string[] {
  return MONEY_RULE.split("; ").map((clause, i) => (i === 0 ? `Rule: ${clause}` : clause));
}
