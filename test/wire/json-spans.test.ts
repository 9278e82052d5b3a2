/**
 * The spans of a JSON document's root members and of an array's elements (src/wire/json-spans.ts):
 * each span parses to what JSON.parse makes of that part, and a text that is not one JSON
 * object is refused.
 */
import { expect } from "chai";
import { arrayElements, rootMembers } from "../../src/wire/json-spans.js";

/** The document rebuilt from its spans: each member parsed alone, an array member element by element. */
function rebuilt(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, span] of rootMembers(text)) {
    const part = text.slice(...span);
    out[name] = part.startsWith("[")
      ? [...arrayElements(text, span)].map((element) => JSON.parse(text.slice(...element)))
      : JSON.parse(part);
  }
  return out;
}

describe("json spans: a document's parts without parsing it whole", () => {
  const documents = [
    "{}",
    " { } ",
    '{"data":{"id":"1","type":"concierge_requests"},"included":[]}',
    '{"data":{"id":"1"},"included":[{"id":"2","attributes":{"amount":12.5}},{"id":"3"}]}',
    // Brackets, braces, quotes and backslashes inside strings.
    '{"a":"}]{[","b":["\\"]","\\\\","x\\\\\\"y"],"c":{"d":"\\u005d"}}',
    // Scalars of every kind, nested arrays, white space everywhere JSON allows it.
    '\n{ "n" : -1.5e+3 , "t":true,"f" :false, "z": null,\t"s":"" ,"arr":[ [1,[2]] , {} , [] , "x" ]\r\n}\n',
    // A later member of the same name wins, as with JSON.parse.
    '{"a":1,"a":[2]}',
  ];
  for (const text of documents) {
    it(`${JSON.stringify(text).slice(0, 60)}: each part as JSON.parse reads it`, () => {
      const whole = JSON.parse(text) as Record<string, unknown>;
      expect(rebuilt(text)).to.deep.equal(whole);
    });
  }

  it("an array's elements are its own, in order, empty arrays included", () => {
    const text = '{"included":[ {"id":"1"} ,"two",3,[4,5],{"x":"]"} ]}';
    const span = rootMembers(text).get("included");
    if (!span) throw new Error("no included");
    expect([...arrayElements(text, span)].map((element) => text.slice(...element))).to.deep.equal([
      '{"id":"1"}',
      '"two"',
      "3",
      "[4,5]",
      '{"x":"]"}',
    ]);
  });

  const broken = [
    "",
    "[]",
    '{"a":1',
    '{"a":1,}',
    '{"a" 1}',
    '{"a":}',
    "{a:1}",
    '{"a":1} x',
    '{"a":"unterminated}',
    '{"a":[1 2]}',
    '{"a":[1,]}',
    '{"a":[1,2}',
  ];
  for (const text of broken) {
    it(`refused: ${JSON.stringify(text)}`, () => {
      expect(() => {
        for (const [, span] of rootMembers(text))
          if (text[span[0]] === "[")
            for (const element of arrayElements(text, span)) JSON.parse(text.slice(...element));
          else JSON.parse(text.slice(...span));
      }).to.throw(SyntaxError);
    });
  }
});
