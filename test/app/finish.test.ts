/**
 * A report that says rows were created is not replaced by one of fewer facts
 * (src/app/finish.ts refuseFewerFacts): read a record at a time, a created row anywhere in it
 * refuses; none, no status column or no file lets the run write its report.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { refuseFewerFacts } from "../../src/app/finish.js";
import { BatchError } from "../../src/errors.js";
import { writeReport } from "../../src/report/write.js";
import { reportRow } from "../helpers/report-rows.js";

describe("refuseFewerFacts: a report of created rows is kept", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fewer-facts-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** What refuseFewerFacts says of a report holding `text`: "refused", or "written" (the run may write). */
  async function verdict(text: string): Promise<string> {
    const path = join(dir, "payroll.report.csv");
    await writeFile(path, text);
    try {
      await refuseFewerFacts(path, "payroll.csv");
      return "written";
    } catch (error) {
      if (error instanceof BatchError && error.code === "usage") return "refused";
      throw error;
    }
  }

  const valid = (n: number) => Array.from({ length: n }, (_, i) => `${i + 2},valid,ok`).join("\r\n");
  const cases: Array<[string, string, string]> = [
    [
      "a created row after 50,000 valid ones, BOM and CRLF",
      `\uFEFFline,status,note\r\n${valid(50_000)}\r\n50002,created,x\r\n`,
      "refused",
    ],
    ["semicolons, the status column later", "line;reference;status\n2;A;created\n", "refused"],
    ["no created row", `line,status,note\n${valid(3)}\n`, "written"],
    [
      '"created" only in a free-text column after the status',
      "line,status,note\n2,valid,created\n",
      "written",
    ],
    ["no status column", "line,reference\n2,created\n", "written"],
    [
      'a quoted reference holding the delimiter before the status ("Doe, Jane")',
      'line,reference,status\n2,"Doe, Jane",created\n',
      "refused",
    ],
    ['the same in semicolons ("Doe; Jane")', 'line;reference;status\r\n2;"Doe; Jane";created\r\n', "refused"],
    [
      "a quoted reference holding a line break, the created row after it",
      'line,reference,status\n2,"Doe\nJane",valid\n3,"x",created\n',
      "refused",
    ],
    ["an empty file", "", "written"],
  ];
  for (const [what, text, expected] of cases) {
    it(`${what}: ${expected}`, async () => {
      expect(await verdict(text)).to.equal(expected);
    });
  }

  /** What refuseFewerFacts says of an xlsx report (the real writer's) of rows with these statuses. */
  async function xlsxVerdict(statuses: string[]): Promise<string> {
    const path = join(dir, "payroll.report.xlsx");
    const rows = statuses.map((status, i) => reportRow({ line: i + 2, status: status as "created" }));
    await writeReport(path, rows, {
      format: "xlsx",
      extraColumns: [],
      batchId: "b1",
      file: "payroll.xlsx",
      tz: "UTC",
    });
    return refuseFewerFacts(path, "payroll.csv").then(
      () => "written",
      (error: unknown) => {
        if (error instanceof BatchError && error.code === "usage") return "refused";
        throw error;
      },
    );
  }

  it("an xlsx report (sheet Report) with a created row after others: refused; without one: written", async () => {
    expect(await xlsxVerdict(["valid", "failed", "created"])).to.equal("refused");
    expect(await xlsxVerdict(["valid", "invalid", "blocked"])).to.equal("written");
  });

  for (const format of ["csv", "excel", "excel-en"] as const) {
    it(`a ${format} report by the real writer, every reference "Doe, Jane; Jr": refused`, async () => {
      const path = join(dir, "payroll.report.csv");
      const rows = [2, 3].map((line) => reportRow({ line, reference: "Doe, Jane; Jr", status: "created" }));
      await writeReport(path, rows, {
        format,
        extraColumns: [],
        batchId: "b1",
        file: "payroll.csv",
        tz: "UTC",
      });
      const refused = await refuseFewerFacts(path, "payroll.csv").then(
        () => false,
        (error: unknown) => error instanceof BatchError && error.code === "usage",
      );
      expect(refused).to.equal(true);
    });
  }

  it("no file there: written", async () => {
    await refuseFewerFacts(join(dir, "none.csv"), "payroll.csv");
  });
});
