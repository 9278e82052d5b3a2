import { expect } from "chai";
import { MONEY_ATTRIBUTES, outputBody } from "../../src/bitex/jsonapi.js";
import { encodeJson, exactText, JsonNumber, parseJson } from "../../src/wire/json.js";

describe("bitex encodeJson", () => {
  it("writes amounts with their exact digits, which JSON.stringify cannot", () => {
    expect(JSON.stringify({ amount: Number("12345678901234567.89") })).to.equal(
      '{"amount":12345678901234568}',
    );
    expect(encodeJson({ amount: new JsonNumber("12345678901234567.89") })).to.equal(
      '{"amount":12345678901234567.89}',
    );
  });

  const table: [string, string][] = [
    ["850000", "850000"],
    ["0.10", "0.10"],
    ["1200.50", "1200.50"],
    ["007.5", "7.5"],
    ["0", "0"],
    ["00", "0"],
    ["99999999999999999999999999.99", "99999999999999999999999999.99"],
  ];
  for (const [text, wire] of table) {
    it(`JsonNumber("${text}") goes on the wire as ${wire}`, () => {
      expect(encodeJson([new JsonNumber(text)])).to.equal(`[${wire}]`);
    });
  }

  for (const bad of ["-1", "1.", ".5", "1e5", "1,5", " 1", "1 ", "NaN", ""]) {
    it(`refuses non-canonical text ${JSON.stringify(bad)}`, () => {
      expect(() => new JsonNumber(bad)).to.throw(RangeError, "not a canonical decimal");
    });
  }

  it("matches JSON.stringify for everything else and drops undefined members", () => {
    const value = { a: 'x"\n\u0001', b: [1, null, true, { c: undefined, d: 2.5 }], e: undefined, f: {} };
    expect(encodeJson(value)).to.equal(JSON.stringify(value));
  });

  it("builds the output body of resources.ts with the amount verbatim and budget null", () => {
    const body = outputBody({
      requestId: "1",
      portCode: "cl_clp",
      amount: "12345678901234567.89",
      recipientUserId: "345",
      withdrawalInstructionId: "2121",
    });
    expect(encodeJson(body)).to.equal(
      '{"data":{"type":"concierge_request_outputs","attributes":{"port_code":"cl_clp","amount":12345678901234567.89,"budget":null},' +
        '"relationships":{"request":{"data":{"type":"concierge_requests","id":"1"}},"user":{"data":{"type":"users","id":"345"}},' +
        '"withdrawal_instruction":{"data":{"type":"withdrawal_instructions","id":"2121"}}}}}',
    );
  });

  it("refuses an output with both or neither of amount and budget", () => {
    const base = { requestId: "1", portCode: "cl_clp", recipientUserId: "2", withdrawalInstructionId: "3" };
    expect(() => outputBody(base)).to.throw(RangeError, "exactly one of amount and budget");
    expect(() => outputBody({ ...base, amount: "1", budget: "2" })).to.throw(RangeError, "exactly one");
  });
});

describe("bitex parseJson", () => {
  it("returns money attributes as exact normalized text and other numbers as numbers", () => {
    const text =
      '{"data":{"id":"9","attributes":{"amount":12345678901234567.89,"budget":1200.50,"total_to_spend":1e-8,"outputs_count":3}}}';
    expect(parseJson(text, MONEY_ATTRIBUTES)).to.deep.equal({
      data: {
        id: "9",
        attributes: {
          amount: "12345678901234567.89",
          budget: "1200.5",
          total_to_spend: "0.00000001",
          outputs_count: 3,
        },
      },
    });
  });

  it("agrees with JSON.parse on ordinary documents", () => {
    const text = ' { "a" : [ 1 , -2.5e3 , "é\\u00e9\\"" , true , false , null , { } , [ ] ] , "b" : "" } ';
    expect(parseJson(text, new Set())).to.deep.equal(JSON.parse(text));
  });

  it("keeps a __proto__ member as plain data", () => {
    const value = parseJson('{"__proto__":{"polluted":1}}', new Set()) as Record<string, unknown>;
    expect(Object.keys(value)).to.deep.equal(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  for (const bad of ["", "{", '{"a":1,}', "[1 2]", "01", '"\u0001"', "{} x", "<!DOCTYPE html>", "NaN"]) {
    it(`throws SyntaxError on ${JSON.stringify(bad)}`, () => {
      expect(() => parseJson(bad, new Set(["a"]))).to.throw(SyntaxError);
    });
  }

  it("throws SyntaxError on a money exponent too large to expand", () => {
    expect(() => parseJson('{"amount":1e999}', MONEY_ATTRIBUTES)).to.throw(SyntaxError, "out of range");
  });

  const exact: [string, string][] = [
    ["850000", "850000"],
    ["850000.0", "850000"],
    ["0.10", "0.1"],
    ["-5.50", "-5.5"],
    ["1.5E2", "150"],
    ["1e-08", "0.00000001"],
    ["0", "0"],
  ];
  for (const [number, text] of exact) {
    it(`exactText(${number}) = "${text}"`, () => expect(exactText(number)).to.equal(text));
  }
});
