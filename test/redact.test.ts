import { expect } from "chai";
import { redactor } from "../src/redact.js";

describe("redactor", () => {
  it("removes a key as written, JSON-escaped and URL-encoded", () => {
    const key = 'sk-"live"/+1';
    const redact = redactor([key]);
    expect(redact(`a ${key} b`)).to.equal("a [redacted] b");
    expect(redact(`got ${JSON.stringify(key)}`)).to.equal('got "[redacted]"');
    expect(redact(`?k=${encodeURIComponent(key)}`)).to.equal("?k=[redacted]");
  });

  it("leaves text alone when there is no secret", () => {
    expect(redactor([])("plain")).to.equal("plain");
    expect(redactor([""])("plain")).to.equal("plain");
  });
});
