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
  const reasons = money.flatMap((m) =>
    m.notCharged.map(
      (n): SummaryLine => ({
        // The sentence last: it runs on into the empty cells to its right.
        cells: [
          m.currency,
          n.rows,
          { money: n.total, currency: m.currency },
          n.lines.join(", ") || null,
          `${WHY_WORDS[n.why]}${n.reasons.length > 0 ? ` (${n.reasons.join(", ")})` : ""}`,
        ],
      }),
    ),
  );
  if (reasons.length > 0) {
    lines.push({ cells: [] }, { cells: [NOT_CHARGED_TITLE], bold: true });
    lines.push({ cells: ["Currency", "Rows", "Total", "Lines", "Why"], bold: true });
    lines.push(...reasons);
  }
  const unreceived = inFile
    ? money.flatMap((m) =>
        notReceivedShown(m).map(
          (n): SummaryLine => ({
            cells: [
              m.currency,
              n.rows,
              { money: n.total, currency: m.currency },
              n.lines.join(", ") || null,
              NOT_RECEIVED_WORDS[n.why],
            ],
          }),
        ),
      )
    : [];
  if (unreceived.length > 0) {
    lines.push({ cells: [] }, { cells: [NOT_RECEIVED_TITLE], bold: true });
    lines.push({ cells: ["Currency", "Rows", "Total", "Lines", "Why"], bold: true });
    lines.push(...unreceived);
  }
  lines.push({ cells: [] });
  return lines;
}

/** The rule, one clause a line: "Rule: quoted: …", then "charged: …", … */
export function ruleLines(): string[] {
  return MONEY_RULE.split("; ").map((clause, i) => (i === 0 ? `Rule: ${clause}` : clause));
}
