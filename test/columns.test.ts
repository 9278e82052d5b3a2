/**
 * One table of input columns (model.ts). The header aliases, the required columns,
 * the row store's encoding and the template's header are all derived from it, so a column
 * added to the table reaches each of them.
 */
import { expect } from "chai";
import { INPUT_COLUMN_TABLE, INPUT_COLUMNS, type InputRow, type RawCells } from "../src/model.js";
import { canonicalColumn, HEADER_ALIASES, requiredColumns } from "../src/read/headers.js";
import { RowStore } from "../src/read/store.js";
import { REPORT_COLUMNS } from "../src/report/columns.js";
import { templateCsv } from "../src/report/template.js";

describe("the input column table", () => {
  it("gives the template its header, in the table's order", () => {
    const header = templateCsv("csv").split("\n")[0];
    expect(header).to.equal(INPUT_COLUMN_TABLE.map((column) => column.name).join(","));
  });

  it("gives the header map every alias of every column", () => {
    for (const column of INPUT_COLUMN_TABLE) {
      expect(HEADER_ALIASES[column.name]).to.deep.equal(column.aliases);
      for (const alias of column.aliases) expect(canonicalColumn(alias)).to.equal(column.name);
    }
  });

  it("gives the required columns: the money columns as one, sender_port unless given", () => {
    const money = INPUT_COLUMN_TABLE.filter((c) => c.required === "one-of-money").map((c) => c.name);
    const yes = INPUT_COLUMN_TABLE.filter((c) => c.required === "yes").map((c) => c.name);
    const withOption = requiredColumns({ senderPortOption: true });
    expect(withOption.filter((c) => typeof c === "string")).to.deep.equal(yes);
    expect(withOption.filter((c) => typeof c !== "string")).to.deep.equal([money]);
    expect(requiredColumns()).to.deep.equal(["sender_port", ...withOption]);
  });

  it("gives the row store its cells: every column survives a round trip by name", () => {
    const raw = {} as RawCells;
    INPUT_COLUMNS.forEach((column, i) => {
      raw[column] = `${column} ${i}`;
    });
    raw.extra = { kept: "k" };
    const store = new RowStore(["kept"]);
    const row: InputRow = { line: 2, raw, problems: [] };
    store.add(row);
    expect(store.get(0)).to.deep.equal(row);
  });

  it("keeps the report's input columns in the table's order", () => {
    const names: readonly string[] = INPUT_COLUMNS;
    expect(REPORT_COLUMNS.filter((column) => names.includes(column))).to.deep.equal([...INPUT_COLUMNS]);
  });
});
