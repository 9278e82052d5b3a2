import { execFileSync } from "node:child_process";
import { expect } from "chai";
import { ROW_OPTIONS } from "../src/model.js";
import {
  batchCommand,
  bitexCommand,
  NO_ROW_FLAGS,
  otherBatchCommand,
  remainingCommand,
  rowFlags,
  sandboxCommand,
  shellWord,
} from "../src/shell-words.js";

/** The words sh makes of a printed command line, after `bitex-batch`. */
function shWords(line: string): string[] {
  const script = `for w in ${line.replace(/^bitex-batch /, "")}; do printf '%s\\0' "$w"; done`;
  return execFileSync("sh", ["-c", script]).toString().split("\0").slice(0, -1);
}

describe("shell-words", () => {
  it("leaves plain words alone and single-quotes the rest", () => {
    expect(shellWord("payroll.csv")).to.equal("payroll.csv");
    expect(shellWord("dir/payroll-2026_12.csv")).to.equal("dir/payroll-2026_12.csv");
    expect(shellWord("Sueldos Diciembre 2026.csv")).to.equal("'Sueldos Diciembre 2026.csv'");
    expect(shellWord("")).to.equal("''");
  });

  it("a printed command pastes back into sh as the same words (spaces, quotes, accents, $)", () => {
    for (const name of [
      "Sueldos Diciembre 2026.csv",
      "Nóminas d'Año.csv",
      "a$HOME`x`*.csv",
      "-x.csv",
      "tab\there.csv",
    ]) {
      const line = bitexCommand("quote", name, "--watch");
      const words = shWords(line);
      expect(words, line).to.deep.equal(["quote", name, "--watch"]);
    }
  });

  describe("row options (model.ts ROW_OPTIONS) in the commands printed for a batch", () => {
    it("carries every one given, with its value quoted, after the file and before the command's own flags", () => {
      const flags = rowFlags({
        allowDuplicates: true,
        senderPort: "ar_ars",
        payer: "112",
        decimalSeparator: ",",
        encoding: "latin1",
        delimiter: ";",
        sheet: "Sueldos Diciembre",
      });
      expect(batchCommand(flags, "accept", "pay roll.csv", "--max-total", "ARS=10")).to.equal(
        "bitex-batch accept 'pay roll.csv' --allow-duplicates --sender-port ar_ars --payer 112 --decimal-separator , --encoding latin1 --delimiter ';' --sheet 'Sueldos Diciembre' --max-total ARS=10",
      );
      // The refusals name the same options (model.ts ROW_OPTIONS): the two lists cannot drift.
      expect(flags.batch.filter((word) => word.startsWith("--")).join(", ")).to.equal(ROW_OPTIONS);
    });

    it("the remaining file's submit gets those that read its rows: never --sheet (a remaining file is CSV) nor --allow-duplicates (a check the operator overrides again)", () => {
      const flags = rowFlags({
        allowDuplicates: true,
        senderPort: "ar_ars",
        payer: "112",
        decimalSeparator: ",",
        encoding: "windows-1252",
        delimiter: "|",
        sheet: "Hoja1",
      });
      expect(remainingCommand(flags, "payroll.remaining.csv")).to.equal(
        "bitex-batch submit payroll.remaining.csv --sender-port ar_ars --payer 112 --decimal-separator , --encoding windows-1252 --delimiter '|'",
      );
    });

    it("says nothing of options not given, nor of the defaults, nor of any other option (the key, --max-total)", () => {
      const flags = rowFlags({ allowDuplicates: false, encoding: "auto", reportFormat: "csv" });
      expect(flags).to.deep.equal(NO_ROW_FLAGS);
      const args = {
        allowDuplicates: false,
        encoding: "auto",
        apiKey: "secret-key",
        report: "-",
        maxTotal: ["ARS=1"],
      };
      expect(batchCommand(rowFlags(args), "quote", "payroll.csv")).to.equal("bitex-batch quote payroll.csv");
    });

    it("carries the batch id given and the report's path and format on the batch's commands (a pasted status follows that batch and rewrites its report), not on the remaining file's", () => {
      const flags = rowFlags({
        report: "out/nómina.xlsx",
        reportFormat: "xlsx",
        delimiter: ";",
        batchId: "payroll-2026-12",
      });
      expect(batchCommand(flags, "status", "payroll.csv", "--watch")).to.equal(
        "bitex-batch status payroll.csv --batch-id payroll-2026-12 --delimiter ';' --report 'out/nómina.xlsx' --report-format xlsx --watch",
      );
      expect(remainingCommand(flags, "payroll.remaining.csv")).to.equal(
        "bitex-batch submit payroll.remaining.csv --delimiter ';'",
      );
    });

    it("a value starting with '-' is written --flag=value, so that it is not read as a flag of its own (helper-95)", () => {
      const flags = rowFlags({ batchId: "-pay", report: "-r.csv", delimiter: "-" });
      expect(batchCommand(flags, "status", "p.csv")).to.equal(
        "bitex-batch status p.csv --batch-id=-pay --delimiter=- --report=-r.csv",
      );
      expect(otherBatchCommand(flags, "status", "p.csv", "-later")).to.equal(
        "bitex-batch status p.csv --batch-id=-later --delimiter=-",
      );
    });

    it("the whole cycle on the emulator carries the row options, never this run's batch id or report (helper-95)", () => {
      const flags = rowFlags({
        batchId: "q12",
        report: "out/r.csv",
        reportFormat: "xlsx",
        senderPort: "ar_ars",
      });
      expect(sandboxCommand(flags, "q.csv", "--until", "final")).to.equal(
        "bitex-batch submit q.csv --sender-port ar_ars --sandbox --until final",
      );
    });

    it("pastes back into sh as the same words (a tab or a quote as the delimiter, accents in the sheet)", () => {
      for (const value of ["\t", "'", "Nómina d'Año"]) {
        const line = batchCommand(rowFlags({ delimiter: value, sheet: value }), "status", "p.csv", "--watch");
        const words = shWords(line);
        expect(words, line).to.deep.equal([
          "status",
          "p.csv",
          "--delimiter",
          value,
          "--sheet",
          value,
          "--watch",
        ]);
      }
    });
  });
});
