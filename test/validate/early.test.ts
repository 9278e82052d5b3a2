/**
 * EarlyCheck (rows checked while the file is read, for a one-pass `validate`) must give
 * checkRows' answer for every row whenever it says it held, and must say it did not hold
 * whenever the end of the file changed an earlier row's answer.
 */
import { expect } from "chai";
import type { CheckedRow, InputRecord, InputRow } from "../../src/model.js";
import {
  checkRows,
  EarlyCheck,
  FileFacts,
  inputRowOf,
  type RowSource,
  type ValidateOptions,
} from "../../src/validate/rows.js";

type Cells = NonNullable<InputRecord["fields"]>;

function row(i: number, cells: Cells): InputRecord {
  return {
    line: i + 2,
    fields: {
      reference: `EMP-${i}`,
      payer_user_id: "112",
      sender_port: "ar_ars",
      recipient_user_id: String(300 + i),
      port: "mx_mxn",
      amount: "1000",
      budget: "",
      withdrawal_instruction_id: String(2100 + i),
      ...cells,
    },
  };
}

/** Pass A with EarlyCheck row by row, as loadBatch does; then pass B. */
function bothWays(
  cells: readonly Cells[],
  options: ValidateOptions = {},
  exact: ReadonlySet<number> = new Set(),
) {
  const rows: InputRow[] = [];
  const source: RowSource = {
    get size() {
      return rows.length;
    },
    get: (index) => rows[index] as InputRow,
  };
  const facts = new FileFacts();
  const early = new EarlyCheck(facts, options);
  const earlyRows: CheckedRow[] = cells.map((c, index) => {
    const record = row(index, c);
    if (exact.has(index)) record.exact = ["amount"];
    const input = inputRowOf(record);
    rows.push(input);
    facts.note(index, input);
    return early.check(index, input);
  });
  const context = facts.context(options);
  return { early: earlyRows, final: [...checkRows(source, context)], held: early.held(context) };
}

const CASES: Array<[string, Cells[], ValidateOptions, boolean]> = [
  ["plain amounts, unique references", [{}, { amount: "1234.50" }, { amount: "7" }], {}, true],
  [
    "a decimal point proved first, then an ambiguous amount",
    [{ amount: "12.50" }, { amount: "1.234" }],
    {},
    true,
  ],
  [
    "an ambiguous amount before the file proves a decimal point",
    [{ amount: "1.234" }, { amount: "12.50" }],
    {},
    false,
  ],
  ["an ambiguous amount and no proof anywhere", [{ amount: "1.234" }, { amount: "5" }], {}, true],
  ["mixed separators", [{ amount: "12.50" }, { amount: "12,50" }], {}, false],
  [
    "ambiguous amounts with --decimal-separator",
    [{ amount: "1.234" }, { amount: "12,50" }],
    { decimalSeparator: "," },
    true,
  ],
  ["a repeated reference", [{}, { reference: "EMP-0" }], {}, false],
  ["a row without reference", [{}, { reference: "" }], {}, false],
  [
    "a repeated reference with --allow-duplicates",
    [{}, { reference: "EMP-0" }],
    { allowDuplicates: true },
    true,
  ],
  ["invalid rows", [{ port: "xx" }, { amount: "" }, { recipient_user_id: "1.2E+15" }], {}, true],
];

describe("EarlyCheck: one pass where the file allows it", () => {
  for (const [what, cells, options, held] of CASES) {
    it(`${what}: ${held ? "holds, with pass B's answer for every row" : "does not hold"}`, () => {
      const result = bothWays(cells, options);
      expect(result.held).to.equal(held);
      if (held) expect(result.early).to.deep.equal(result.final);
    });
  }

  it("says it did not hold exactly when an early answer differs (the cases where it matters)", () => {
    for (const [what, cells, options, held] of CASES) {
      const result = bothWays(cells, options);
      const same = JSON.stringify(result.early) === JSON.stringify(result.final);
      if (!same) expect(held, what).to.equal(false);
    }
    // Not vacuous: "1.234" read before "12,50" proves a decimal comma is an error early, 1234 in the end.
    const late = bothWays([{ amount: "1.234" }, { amount: "12,50" }]);
    expect(late.early[0]?.ok).to.equal(false);
    expect(late.final[0]?.ok).to.equal(true);
  });
});

describe("EarlyCheck with a workbook's number cells", () => {
  it("an exact amount neither proves nor needs a convention: a later decimal comma changes nothing, one pass holds", () => {
    const result = bothWays(
      [{ amount: "23886.75" }, { amount: "1585,25" }, { amount: "1.234" }],
      {},
      new Set([0, 2]),
    );
    expect(result.held).to.equal(true);
    expect(result.early).to.deep.equal(result.final);
    const amounts = result.final.map((r) => (r.ok ? r.row.amount : r.errors.map((e) => e.code).join()));
    // 1.234 from a number cell is exactly 1.234 (too many decimals), never 1234 under the file's decimal comma.
    expect(amounts).to.deep.equal(["23886.75", "1585.25", "amount_too_many_decimals"]);
  });

  it("the same values as text cells mix decimal separators: no one pass", () => {
    const result = bothWays([{ amount: "23886.75" }, { amount: "1585,25" }, { amount: "1.234" }]);
    expect(result.held).to.equal(false);
  });
});

describe("inputRowOf", () => {
  it("gives empty cells for the columns a file does not have, trimmed cells but the reference", () => {
    expect(
      inputRowOf({ line: 2, fields: { recipient_user_id: " 7 ", port: "cl_clp", reference: " R " } }),
    ).to.deep.equal({
      line: 2,
      raw: {
        reference: " R ",
        payer_user_id: "",
        sender_port: "",
        recipient_user_id: "7",
        port: "cl_clp",
        amount: "",
        budget: "",
        withdrawal_instruction_id: "",
        extra: {},
      },
      problems: [],
    });
  });
});
