import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { BatchError } from "../../src/errors.js";
import type { ReportRow } from "../../src/report/columns.js";
import { writeReport } from "../../src/report/write.js";
import { type ChunkSink, checkReportTarget } from "../../src/writers/write.js";
import { renderReport } from "../helpers/report.js";
import { FAILED_BUDGET_ROW, reportRow } from "../helpers/report-rows.js";

const ROWS = [reportRow(), FAILED_BUDGET_ROW];

async function rejection(promise: Promise<unknown>): Promise<BatchError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(BatchError);
    return error as BatchError;
  }
  throw new Error("expected a rejection");
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe("report/write: file", () => {
  let dir: string;
  let target: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "bitex-report-"));
    target = join(dir, "payroll.report.csv");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the rendered report, owner-only, and leaves no temp file", async () => {
    const result = await writeReport(target, ROWS, { format: "excel" });
    expect(result).to.deep.equal({ rows: 2 });
    expect(await readFile(target, "utf8")).to.equal(renderReport(ROWS, "excel"));
    expect(await modeOf(target)).to.equal(0o600);
    expect(await readdir(dir)).to.deep.equal(["payroll.report.csv"]);
  });

  it("replaces a 0644 report with a 0600 one, even with umask 0", async () => {
    await writeFile(target, "old report\n");
    await chmod(target, 0o644);
    const previous = process.umask(0);
    try {
      await writeReport(target, ROWS, { format: "csv" });
    } finally {
      process.umask(previous);
    }
    expect(await modeOf(target)).to.equal(0o600);
    expect(await readFile(target, "utf8")).to.equal(renderReport(ROWS, "csv"));
    expect(await readdir(dir)).to.deep.equal(["payroll.report.csv"]);
  });

  it("streams many rows in chunks, from a generator, with kept columns", async () => {
    const rows = Array.from({ length: 2500 }, (_, i) =>
      reportRow({ line: i + 2, extra: { dept: `D${i % 7}` } }),
    );
    function* later(): Generator<ReportRow> {
      yield* rows;
    }
    expect(await writeReport(target, later(), { format: "csv", extraColumns: ["dept"] })).to.deep.equal({
      rows: 2500,
    });
    expect(await readFile(target, "utf8")).to.equal(renderReport(rows, "csv", ["dept"]));
  });

  it("a failure while rows are produced removes the temp file and keeps the old report", async () => {
    await writeFile(target, "old report\n");
    function* failing(): Generator<ReportRow> {
      yield reportRow();
      throw new Error("row source broke");
    }
    const error = await rejection(writeReport(target, failing(), { format: "csv" }));
    expect(error.code).to.equal("internal");
    expect(error.message).to.equal(`could not write the report ${target}: row source broke`);
    expect(await readdir(dir)).to.deep.equal(["payroll.report.csv"]);
    expect(await readFile(target, "utf8")).to.equal("old report\n");
  });

  it("a failed rename (target is a non-empty directory) removes the temp file", async () => {
    await mkdir(target);
    await writeFile(join(target, "keep"), "x");
    const error = await rejection(writeReport(target, ROWS, { format: "csv" }));
    expect(error.code).to.equal("internal");
    expect(await readdir(dir)).to.deep.equal(["payroll.report.csv"]);
    expect(await readdir(target)).to.deep.equal(["keep"]);
  });

  it("a missing directory is an error and creates nothing", async () => {
    const error = await rejection(writeReport(join(dir, "nope", "r.csv"), ROWS, { format: "csv" }));
    expect(error.code).to.equal("internal");
    expect(await readdir(dir)).to.deep.equal([]);
  });
});

describe("report/write: stdout", () => {
  it("`-` writes every chunk to the injected sink and no file", async () => {
    const written: string[] = [];
    const sink: ChunkSink = {
      write(chunk, callback) {
        written.push(chunk);
        setImmediate(callback);
        return true;
      },
    };
    const before = await readdir(process.cwd());
    expect(await writeReport("-", ROWS, { format: "excel-en", stdout: sink })).to.deep.equal({ rows: 2 });
    expect(written.join("")).to.equal(renderReport(ROWS, "excel-en"));
    expect(written).to.have.length(2); // header chunk, then one chunk of rows
    expect(await readdir(process.cwd())).to.deep.equal(before);
  });

  it("a sink error (e.g. EIO) rejects", async () => {
    const sink: ChunkSink = {
      write(_chunk, callback) {
        setImmediate(() => callback(Object.assign(new Error("write EIO"), { code: "EIO" })));
        return false;
      },
    };
    const error = await rejection(writeReport("-", ROWS, { format: "csv", stdout: sink }));
    expect(error.message).to.equal("could not write the report -: write EIO");
  });

  it("a reader that went away (EPIPE) is no failure: every row is still produced, nothing more is written", async () => {
    const written: string[] = [];
    const sink: ChunkSink = {
      write(chunk, callback) {
        written.push(chunk);
        setImmediate(() => callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE" })));
        return false;
      },
    };
    expect(await writeReport("-", ROWS, { format: "csv", stdout: sink })).to.deep.equal({ rows: 2 });
    expect(written).to.have.length(1); // the header; the rows' chunk is not written after the EPIPE
  });
});

describe("report/write: checkReportTarget", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "bitex-report-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("accepts a writable place and `-`, leaving nothing behind", async () => {
    await checkReportTarget(join(dir, "r.csv"));
    await checkReportTarget("-");
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it("refuses a directory and a missing directory with a usage error (exit 2, before sending)", async () => {
    const isDir = await rejection(checkReportTarget(dir));
    expect([isDir.code, isDir.message]).to.deep.equal(["usage", `the report path ${dir} is a directory`]);
    const missing = await rejection(checkReportTarget(join(dir, "nope", "r.csv")));
    expect(missing.code).to.equal("usage");
    expect(missing.message).to.match(/^cannot write the report to .*ENOENT/);
  });
});
