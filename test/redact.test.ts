import { expect } from "chai";
import { implausibleSecret, maskTail, redactor, shownWord } from "../src/redact.js";

describe("redactor", () => {
  it("removes a key as written, JSON-escaped and URL-encoded", () => {
    const key = 'sk-"live"/+1';
    const redact = redactor([key]);
    expect(redact(`a ${key} b`)).to.equal("a [redacted] b");
    expect(redact(`got ${JSON.stringify(key)}`)).to.equal('got "[redacted]"');
    expect(redact(`?k=${encodeURIComponent(key)}`)).to.equal("?k=[redacted]");
  });

  it("removes a key as a URL parser writes it in a path or a query (helper-90: echoed in a next-page link)", () => {
    const key = 'K3y"wi\\th&odd<chars>/%+ =;Z9q-SECRET';
    const redact = redactor([key]);
    const url = new URL(`http://127.0.0.1:9/x/${key}?k=1`);
    url.searchParams.set("q", key);
    expect(redact(`link ${url.pathname} ${encodeURI(key)}`)).to.equal("link /x/[redacted] [redacted]");
    expect(redact(url.search)).to.equal("?k=1&q=[redacted]");
  });

  it("leaves text alone when there is no secret", () => {
    expect(redactor([])("plain")).to.equal("plain");
    expect(redactor([""])("plain")).to.equal("plain");
  });

  it("leaves a key too short to be one alone (a key 'x' would take every x), and names it", () => {
    expect(redactor(["x"])("six boxes, next")).to.equal("six boxes, next");
    expect(redactor(["1234567"])("id 1234567")).to.equal("id 1234567");
    expect(redactor(["12345678"])("id 12345678")).to.equal("id [redacted]");
    expect(implausibleSecret("x")).to.equal(
      "the API key is only 1 character(s) long, which no Bitex key is: check BITEX_API_KEY (or BITEX_API_KEY_FILE); so short a text is not hidden from the output",
    );
    expect([implausibleSecret("12345678"), implausibleSecret("")]).to.deep.equal([null, null]);
  });
});

describe("maskTail and shownWord", () => {
  it("shows a number's last 4 characters and its length; 4 or fewer hidden whole", () => {
    expect(maskTail("0110599500000001003053")).to.equal("******************3053");
    expect(maskTail("1234")).to.equal("****");
    expect(maskTail("")).to.equal("");
  });

  it("shows words as they are, and masks a cell of 5 digits or more (a number out of its column)", () => {
    expect(["checking", "bco_chile", "EMP-2001", "ana.1985@example.com"].map(shownWord)).to.deep.equal([
      "checking",
      "bco_chile",
      "EMP-2001",
      "ana.1985@example.com",
    ]);
    expect(shownWord("20-12345678-6")).to.equal("*********78-6");
    expect(shownWord("ana.19850@example.com")).to.equal("*****************.com");
  });
});
