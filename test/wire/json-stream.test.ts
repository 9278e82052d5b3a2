/**
 * A JSON object read as it arrives (src/wire/json-stream.ts): each member and each element of
 * the streamed array is what JSON.parse makes of that part, however the text is cut into
 * pieces, and a text that is not one JSON object is refused at its end.
 */
import { expect } from "chai";
import { objectReader } from "../../src/wire/json-stream.js";

/** The document rebuilt from what the reader hands over, the text pushed in the given pieces. */
function rebuilt(pieces: string[], streamed = "included"): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let elements: unknown[] | null = null;
  const reader = objectReader(streamed, {
    member: (name, text) => {
      out[name] = JSON.parse(text);
    },
    element: (text) => {
      if (elements === null) {
        elements = [];
        out[streamed] = elements;
      }
      elements.push(JSON.parse(text));
    },
  });
  for (const piece of pieces) reader.push(piece);
  reader.end();
  return out;
}

/** Every way of cutting `text` in two, and cut into single characters. */
function cuts(text: string): string[][] {
  const all: string[][] = [[text], [...text]];
  for (let at = 1; at < text.length; at++) all.push([text.slice(0, at), text.slice(at)]);
  return all;
}

describe("json stream: an object read a piece at a time", () => {
  const documents = [
    "{}",
    " { } ",
    '{"data":{"id":"1","type":"concierge_requests"},"included":[]}',
    '{"data":{"id":"1"},"included":[{"id":"2","attributes":{"amount":12.5}},{"id":"3"}]}',
    // Brackets, braces, quotes and backslashes inside strings, in members and elements.
    '{"a":"}]{[","included":["\\"]","\\\\","x\\\\\\"y",{"q":"\\\\"}],"c":{"d":"\\u005d"}}',
    // Scalars of every kind, nested arrays, white space everywhere JSON allows it.
    '\n{ "n" : -1.5e+3 , "t":true,"f" :false, "z": null,\t"s":"" ,"included":[ [1,[2]] , {} , [] , "x" , 7 ]\r\n}\n',
    // The streamed member when it is not an array is a member like any other.
    '{"included":null,"x":1}',
    // A name with escapes.
    '{"in\\u0063luded":[1,2],"\\"":3}',
  ];
  for (const text of documents) {
    it(`${JSON.stringify(text).slice(0, 60)}: as JSON.parse reads it, however it is cut`, () => {
      const whole = JSON.parse(text) as Record<string, unknown>;
      // An empty streamed array hands over no element, so nothing shows it was there.
      if (Array.isArray(whole.included) && whole.included.length === 0) delete whole.included;
      for (const pieces of cuts(text)) expect(rebuilt(pieces), JSON.stringify(pieces)).to.deep.equal(whole);
    });
  }

  it("an element is handed over as its own text, in order, as soon as it ends", () => {
    const seen: string[] = [];
    const reader = objectReader("included", {
      member: (name) => seen.push(`member ${name}`),
      element: (text) => seen.push(text),
    });
    reader.push('{"data":{"id":"1"},"included":[ {"id":"1"} ,"tw');
    expect(seen).to.deep.equal(["member data", '{"id":"1"}']);
    reader.push('o",3,[4,5],{"x":"]"} ]}');
    reader.end();
    expect(seen).to.deep.equal(["member data", '{"id":"1"}', '"two"', "3", "[4,5]", '{"x":"]"}']);
  });

  it("a problem a taker throws is kept, later pieces are ignored, and end throws it", () => {
    let elements = 0;
    const reader = objectReader("included", {
      member: () => {},
      element: () => {
        elements++;
        throw new RangeError("not an output");
      },
    });
    reader.push('{"included":[1,');
    reader.push("2]}");
    expect(elements).to.equal(1);
    expect(() => reader.end()).to.throw(RangeError, "not an output");
  });

  it("push says false once the text is broken: the rest changes nothing", () => {
    const reader = objectReader("included", { member: () => {}, element: () => {} });
    expect(reader.push('{"included":[1,')).to.equal(true);
    expect(reader.push("]}")).to.equal(false);
    expect(reader.push("ignored")).to.equal(false);
    expect(() => reader.end()).to.throw(SyntaxError);
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
    '{"included":[1 2]}',
    '{"included":[1,]}',
    '{"included":[,1]}',
    '{"included":[1,2}',
    '{"included":[1,2]',
    '{"included":[{"a":1]]}',
    '{"included":[tru]}',
    // JSON.parse keeps the last of two members of a name; elements handed over cannot be taken back.
    '{"included":[1],"included":[2]}',
    '{"included":null,"in\\u0063luded":[2]}',
  ];
  for (const text of broken) {
    it(`refused, however it is cut: ${JSON.stringify(text)}`, () => {
      for (const pieces of cuts(text))
        expect(() => rebuilt(pieces), JSON.stringify(pieces)).to.throw(SyntaxError);
    });
  }
});
