import { expect } from "chai";
import { checkId } from "../../src/validate/ids.js";

describe("checkId", () => {
  const table: Array<[string, string | null]> = [
    ["345", null],
    [" 2121 ", null],
    ["0345", null],
    ["123456789012345", null],
    // 16+ digits not ending in zeros could not have come out of an Excel number cell.
    ["1234567890123456", null],
    ["", "id_empty"],
    ["  ", "id_empty"],
    ["1.23457E+15", "excel_damaged_number"],
    ["1,23457E+15", "excel_damaged_number"],
    ["1.2E-05", "excel_damaged_number"],
    ["5E+3", "excel_damaged_number"],
    ["1234567890123450", "excel_damaged_number"],
    ["12345678901234500000", "excel_damaged_number"],
    ["1,234", "id_not_numeric"],
    ["1.234.567", "id_not_numeric"],
    ["345.0", "id_not_numeric"],
    ["345,00", "id_not_numeric"],
    ["-345", "id_not_numeric"],
    ["abc", "id_not_numeric"],
    ["12a", "id_not_numeric"],
    ["#N/A", "id_not_numeric"],
  ];
  for (const [text, code] of table) {
    it(`${JSON.stringify(text)} → ${code ?? "ok"}`, () => expect(checkId(text)?.code ?? null).to.equal(code));
  }

  it("tells how to repair Excel damage", () => {
    expect(checkId("1.23457E+15")).to.deep.equal({
      code: "excel_damaged_number",
      message:
        '"1.23457E+15" is in scientific notation: Excel turned the id into a number and dropped digits; re-export the column as text (in Excel: format the column as Text, then paste the ids again)',
    });
    expect(checkId("1234567890123450")?.message).to.equal(
      '"1234567890123450" has 16 digits ending in zeros, as Excel leaves an id longer than 15 digits; re-export the column as text (in Excel: format the column as Text, then paste the ids again)',
    );
    expect(checkId("abc")?.message).to.equal('"abc" is not a Bitex id; ids are digits only');
    expect(checkId("")?.message).to.equal("the id is empty");
  });
});
