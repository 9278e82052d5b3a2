import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { templateCsv } from "../../src/report/template.js";

const HEADER =
  "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id";

describe("report/template", () => {
  it("csv: header and two example rows, comma, dot, LF, no BOM", () => {
    expect(templateCsv("csv")).to.equal(
      `${HEADER}\nEMP-1001,112,ar_ars,300,cl_clp,1329000,,2100\nEMP-1002,112,us_usd,301,mx_mxn,,1250.50,2101\n`,
    );
  });

  it("excel: BOM, semicolon, decimal comma, CRLF", () => {
    expect(templateCsv("excel")).to.equal(
      `\uFEFF${HEADER.replaceAll(",", ";")}\r\n` +
        "EMP-1001;112;ar_ars;300;cl_clp;1329000;;2100\r\n" +
        "EMP-1002;112;us_usd;301;mx_mxn;;1250,50;2101\r\n",
    );
  });

  it("excel-en: BOM, comma, dot, CRLF", () => {
    expect(templateCsv("excel-en")).to.equal(
      `\uFEFF${HEADER}\r\nEMP-1001,112,ar_ars,300,cl_clp,1329000,,2100\r\nEMP-1002,112,us_usd,301,mx_mxn,,1250.50,2101\r\n`,
    );
  });

  it("examples are valid input: one amount (CLP, integer), one budget (USD, 2 decimals)", () => {
    const [header, ...rows] = parse(templateCsv("csv")) as string[][];
    const records = rows.map((cells) => Object.fromEntries(header?.map((name, i) => [name, cells[i]]) ?? []));
    expect(records.map((r) => [r.port, r.amount, r.budget])).to.deep.equal([
      ["cl_clp", "1329000", ""],
      ["mx_mxn", "", "1250.50"],
    ]);
  });
});
