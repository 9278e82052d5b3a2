import { expect } from "chai";
import { MONEY_ATTRIBUTES, outputBody } from "../../src/bitex/jsonapi.js";
import { encodeJson, exactText, JsonNumber, parseJson, parseJsonByScan } from "../../src/wire/json.js";

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

describe("bitex parseJson, the native path", () => {
  // parseJson reads with JSON.parse after marking exact numbers; parseJsonByScan is the
  // reference it must agree with, value for value, on every document.
  const agree = (text: string, exact: ReadonlySet<string> = MONEY_ATTRIBUTES) =>
    expect(parseJson(text, exact)).to.deep.equal(parseJsonByScan(text, exact));

  it("reads a page of outputs exactly, amounts beyond a double's digits included", () => {
    const item = (id: string, amount: string) =>
      `{"id":"${id}","type":"concierge_request_outputs","attributes":{"state":"settled","amount":${amount},"budget" : 1200.50,"outputs_count":7}}`;
    const text = `{"data":[${item("1", "12345678901234567.89")},${item("2", "0.10")},${item("3", "850000.0")}],"meta":{"total_items":3}}`;
    expect(parseJson(text, MONEY_ATTRIBUTES)).to.deep.equal({
      data: ["12345678901234567.89", "0.1", "850000"].map((amount, i) => ({
        id: String(i + 1),
        type: "concierge_request_outputs",
        attributes: { state: "settled", amount, budget: "1200.5", outputs_count: 7 },
      })),
      meta: { total_items: 3 },
    });
    agree(text);
  });

  it("leaves text that only looks like an exact member inside a string as it is", () => {
    for (const text of [
      '{"note":"\\"amount\\": 5","amount":5}',
      '{"note":"x\\\\","amount":5}',
      '{"a\\"amount":5}',
      '{"note":"\\\\\\"amount\\": 5"}',
      '["amount", 5]',
    ]) {
      agree(text);
    }
    expect(parseJson('{"a\\"amount":5}', MONEY_ATTRIBUTES)).to.deep.equal({ 'a"amount': 5 });
  });

  it("keeps an exact member sent as a string as it was sent, and a number elsewhere a number", () => {
    const text = '{"amount":"1200.50","budget":null,"total":1200.50,"total_to_spend":{"x":1.10}}';
    expect(parseJson(text, MONEY_ATTRIBUTES)).to.deep.equal({
      amount: "1200.50",
      budget: null,
      total: 1200.5,
      total_to_spend: { x: 1.1 },
    });
    agree(text);
  });

  it("reads an array under an exact key, and a member name spelled with escapes, exactly", () => {
    const listed = '{"amount":[1.10,[2.50]],"x":"\\u0026"}';
    expect(parseJson(listed, MONEY_ATTRIBUTES)).to.deep.equal({ amount: ["1.1", ["2.5"]], x: "&" });
    const escaped = '{"budg\\u0065t":3.0,"total_to_spend":4.50}';
    expect(parseJson(escaped, MONEY_ATTRIBUTES)).to.deep.equal({ budget: "3", total_to_spend: "4.5" });
  });

  it("reads a request naming thousands of outputs, its one total exact", () => {
    const ids = Array.from(
      { length: 3000 },
      (_, i) => `{"type":"concierge_request_outputs","id":"${i + 1}"}`,
    );
    const text = `{"data":{"id":"12","type":"concierge_requests","attributes":{"state":"quoted","total_to_spend":12345678901234567.890,"outputs_count":3000},"relationships":{"outputs":{"data":[${ids.join(",")}]}}}}`;
    const value = parseJson(text, MONEY_ATTRIBUTES) as { data: { attributes: Record<string, unknown> } };
    expect(value.data.attributes).to.deep.equal({
      state: "quoted",
      total_to_spend: "12345678901234567.89",
      outputs_count: 3000,
    });
    agree(text);
  });

  it("puts the one exact number back where it was, in objects nested in arrays, and nowhere else", () => {
    const text = '{"list":[{"x":1.5},[{"budget":0.10,"n":0.10}]],"amount_x":2.5}';
    expect(parseJson(text, MONEY_ATTRIBUTES)).to.deep.equal({
      list: [{ x: 1.5 }, [{ budget: "0.1", n: 0.1 }]],
      amount_x: 2.5,
    });
    // Its member replaced by a later one of the same name: nothing is left to put back.
    expect(parseJson('{"amount":1.50,"amount":"x"}', MONEY_ATTRIBUTES)).to.deep.equal({ amount: "x" });
    agree('{"amount":1.50,"amount":"x"}');
  });

  it("takes the last of two members of the same name, as JSON.parse does", () => {
    expect(parseJson('{"amount":1.50,"amount":2.50}', MONEY_ATTRIBUTES)).to.deep.equal({ amount: "2.5" });
  });

  it("does not take a string holding another process's mark for a number", () => {
    const text = '{"amount":"num-00000000-0000-4000-8000-000000000000:5","b":[{"budget":2}]}';
    expect(parseJson(text, MONEY_ATTRIBUTES)).to.deep.equal({
      amount: "num-00000000-0000-4000-8000-000000000000:5",
      b: [{ budget: "2" }],
    });
  });

  for (const bad of [
    '{"amount":01}',
    '{"amount":1.}',
    '{"amount":-}',
    '{"amount":1e}',
    '{"amount":1.5.5}',
    '{"amount":1,}',
    '{"amount" 1}',
    '"x"amount":1',
    '{"amount":1',
    '{"amount":1e999}',
  ]) {
    it(`throws SyntaxError on ${bad}, as the scanning parser does`, () => {
      expect(() => parseJsonByScan(bad, MONEY_ATTRIBUTES)).to.throw(SyntaxError);
      expect(() => parseJson(bad, MONEY_ATTRIBUTES)).to.throw(SyntaxError);
    });
  }

  it("agrees with the scanning parser on generated documents", () => {
    // A fixed seed: the same documents every run.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const keys = ["amount", "budget", "total_to_spend", "id", "amounts", "x"];
    const strings = ['""', '"amount"', '"a\\"b"', '"\\\\"', '"\\u00e9\\u0026"', '"\\"amount\\":1"', '"é"'];
    const numbers = ["0", "-0", "1.10", "-2.50", "1e3", "1.5E-2", "12345678901234567.89", "0.000"];
    const value = (depth: number): string => {
      const pick = next(depth > 2 ? 3 : 5);
      if (pick === 0) return numbers[next(numbers.length)] as string;
      if (pick === 1) return strings[next(strings.length)] as string;
      if (pick === 2) return ["true", "false", "null"][next(3)] as string;
      if (pick === 3) return `[${Array.from({ length: next(4) }, () => value(depth + 1)).join(", ")}]`;
      const members = Array.from(
        { length: next(5) },
        () => `"${keys[next(keys.length)]}" :\t${value(depth + 1)}`,
      );
      return `{${members.join(",\n")}}`;
    };
    for (let i = 0; i < 400; i++) agree(value(0));
  });
});
