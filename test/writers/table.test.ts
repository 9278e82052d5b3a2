import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { type TableColumn, tableChunks } from "../../src/writers/table.js";
import { type ChunkSink, writeTable } from "../../src/writers/write.js";

const COLUMNS: TableColumn[] = [
  { name: "id", kind: "id" },
  { name: "label", kind: "text" },
  { name: "amount", kind: "money" },
];
const ROWS = [
  ["7", "=SUM(A1)", "1234.50"],
  ["10", 'a;b,c "q"', ""],
  ["", "", "-5"],
];

describe("report/table", () => {
  it("csv: ids and money as plain numbers, text neutralised and quoted as needed", () => {
    expect([...tableChunks(COLUMNS, ROWS, "csv")].join("")).to.equal(
      'id,label,amount\n7,\'=SUM(A1),1234.50\n10,"a;b,c ""q""",\n,,-5\n',
    );
  });

  it("excel: BOM, ';', CRLF, decimal comma on money only", () => {
    expect([...tableChunks(COLUMNS, ROWS, "excel")].join("")).to.equal(
      '\uFEFFid;label;amount\r\n7;\'=SUM(A1);1234,50\r\n10;"a;b,c ""q""";\r\n;;-5\r\n',
    );
  });

  it("excel-en: BOM, ',', CRLF, decimal point", () => {
    expect([...tableChunks(COLUMNS, ROWS, "excel-en")].join("")).to.equal(
      '\uFEFFid,label,amount\r\n7,\'=SUM(A1),1234.50\r\n10,"a;b,c ""q""",\r\n,,-5\r\n',
    );
  });

  it("chunks of at most N rows, header first, no empty chunk", () => {
    const rows = Array.from({ length: 5 }, (_, i) => [String(i), "x", "1.00"]);
    const chunks = [...tableChunks(COLUMNS, rows, "csv", 2)];
    expect(chunks.map((chunk) => chunk.split("\n").length - 1)).to.deep.equal([1, 2, 2, 1]);
    expect(parse(chunks.join(""))).to.have.length(6);
  });

  it("writeTable: atomic, owner-only file; or stdout for -", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bitex-table-"));
    try {
      const target = join(dir, "export.csv");
      await writeTable(target, COLUMNS, ROWS, { format: "csv" });
      expect(await readFile(target, "utf8")).to.equal([...tableChunks(COLUMNS, ROWS, "csv")].join(""));
      expect((await stat(target)).mode & 0o777).to.equal(0o600);
      expect(await readdir(dir)).to.deep.equal(["export.csv"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    let written = "";
    const stdout: ChunkSink = {
      write: (chunk, done) => {
        written += chunk;
        done();
        return true;
      },
    };
    await writeTable("-", COLUMNS, ROWS, { format: "excel", stdout });
    expect(written).to.equal([...tableChunks(COLUMNS, ROWS, "excel")].join(""));
  });
});
