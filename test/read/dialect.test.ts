import { expect } from "chai";
import { detectDelimiter, firstLine, parseDelimiterOption } from "../../src/read/dialect.js";

describe("detectDelimiter", () => {
  const table: Array<[string, string, string]> = [
    ["comma", "reference,port,amount\n1;2;3\n", ","],
    ["semicolon (Excel, Spanish locale)", "Referencia;Puerto Destino;Monto\r\nA;cl_clp;1,5\r\n", ";"],
    ["tab", "reference\tport\tamount\n", "\t"],
    ["pipe", "reference|port|amount", "|"],
    ["only the header line counts", "a;b;c\n1,2,3,4,5,6,7\n", ";"],
    ["delimiters inside quotes do not count", '"a;b;c;d",x,y\n', ","],
    ["a header line ending in CR", "a;b;c\r1,2,3,4,5\r", ";"],
    ["leading blank lines are skipped", "\r\n\r\na|b\n", "|"],
    ["a quoted header name with a newline", '"a\nb,c";d;e\n', ";"],
    ["a tie means comma", "a;b|c\n", ","],
    ["a tie with comma means comma", "a;b,c\n", ","],
    ["no candidate means comma", "amount\n", ","],
    ["empty text means comma", "", ","],
  ];
  for (const [name, sample, expected] of table) {
    it(`${name}: ${JSON.stringify(expected)}`, () => expect(detectDelimiter(sample)).to.equal(expected));
  }
});

describe("firstLine", () => {
  it("stops at the first line break outside quotes", () => {
    expect(firstLine('\n"x\r\ny",z\r\n1,2')).to.equal('"x\r\ny",z');
  });
});

describe("parseDelimiterOption", () => {
  const table: Array<[string, string]> = [
    [",", ","],
    [";", ";"],
    ["tab", "\t"],
    ["\\t", "\t"],
    ["\t", "\t"],
    ["|", "|"],
    ["semicolon", ";"],
  ];
  for (const [input, expected] of table)
    it(`${JSON.stringify(input)}`, () => expect(parseDelimiterOption(input)).to.equal(expected));

  it("refuses other characters", () => {
    expect(() => parseDelimiterOption(":")).to.throw('--delimiter: expected one of , ; tab |, got ":"');
  });
});
