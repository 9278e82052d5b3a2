import { expect } from "chai";
import type { InputRow } from "../../src/model.js";
import { RowStore } from "../../src/read/store.js";

function record(
  i: number,
  reference: string,
  extra: Record<string, string> = {},
): InputRow & { fields: Omit<InputRow["raw"], "extra"> } {
  const fields = {
    reference,
    payer_user_id: String(100 + i),
    sender_port: "ar_ars",
    recipient_user_id: String(1000 + i),
    port: "cl_clp",
    amount: i % 2 === 0 ? `${i}.50` : "",
    budget: i % 2 === 0 ? "" : String(i),
    withdrawal_instruction_id: String(5000 + i),
  };
  return {
    line: 2 + i * 3, // lines need not follow the index (multi-line records, blank lines)
    fields,
    raw: { ...fields, extra },
    problems:
      i === 3
        ? [{ column: "", code: "too_many_fields", message: "the row has 9 fields but the header has 8" }]
        : [],
  };
}

describe("RowStore", () => {
  it("gives back every record's cells, line and problems, across blocks, in any order", () => {
    const store = new RowStore();
    // References of 1–2 MB fill the 4 MB blocks after a few rows; one needs a block of its own
    // (3 bytes per character reserved), one has multi-byte characters at a block's end.
    const references = Array.from({ length: 12 }, (_, i) =>
      i === 5
        ? "x".repeat(1_500_000)
        : i === 7
          ? `${"é".repeat(700_000)}Ñ`
          : `EMP-${i} ${"r".repeat(i * 300_000)}`,
    );
    references.forEach((reference, i) => {
      expect(store.add(record(i, reference))).to.equal(i);
    });
    expect(store.size).to.equal(12);
    for (const i of [11, 0, 5, 7, 3, 6, 10, 1, 2, 4, 8, 9]) {
      const row = store.get(i);
      const expected = record(i, references[i] as string);
      expect(row.line).to.equal(expected.line);
      expect(row.raw.reference.length).to.equal((references[i] as string).length);
      expect(row.raw.reference === references[i]).to.equal(true);
      expect({ ...row.raw, reference: "" }).to.deep.equal({ ...expected.fields, reference: "", extra: {} });
      expect(row.problems).to.deep.equal(expected.problems);
    }
    expect([...store.rows()].map((row) => row.line)).to.deep.equal(references.map((_, i) => 2 + i * 3));
  });

  it("keeps the extra columns by name, a column named __proto__ included", () => {
    const store = new RowStore(["dept", "__proto__"]);
    const extra: Record<string, string> = { dept: "ventas" };
    Object.defineProperty(extra, "__proto__", {
      value: "x",
      enumerable: true,
      writable: true,
      configurable: true,
    });
    store.add(record(0, "A", extra));
    store.add(record(1, "B", { dept: "" }));
    expect(Object.entries(store.get(0).raw.extra)).to.deep.equal([
      ["dept", "ventas"],
      ["__proto__", "x"],
    ]);
    expect(Object.entries(store.get(1).raw.extra)).to.deep.equal([
      ["dept", ""],
      ["__proto__", ""],
    ]);
  });

  it("a row's payee details come back as given, beside rows without any and the kept columns", () => {
    const store = new RowStore(["dept"]);
    const details = { recipient_email: "ana@example.com", cbu: "0150553621000111396333", bank: "" };
    const withDetails = {
      ...record(0, "A", { dept: "ventas" }),
      raw: { ...record(0, "A").fields, ...details, extra: { dept: "ventas" } },
    };
    store.add(withDetails);
    store.add(record(1, "B", { dept: "" }));
    store.add({
      ...record(2, "C"),
      raw: { ...record(2, "C").fields, recipient_tax_id: "20-12345678-6", extra: { dept: "x" } },
    });
    // A details cell is there only when it has something, as the reader makes them.
    expect(store.get(0).raw).to.deep.equal({
      ...record(0, "A").fields,
      recipient_email: "ana@example.com",
      cbu: "0150553621000111396333",
      extra: { dept: "ventas" },
    });
    expect(store.get(1).raw).to.deep.equal({ ...record(1, "B").fields, extra: { dept: "" } });
    expect(store.get(2).raw).to.deep.equal({
      ...record(2, "C").fields,
      recipient_tax_id: "20-12345678-6",
      extra: { dept: "x" },
    });
  });
});
