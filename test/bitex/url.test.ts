import { expect } from "chai";
import { stopFor } from "../../src/app/stop.js";
import { ConfigError } from "../../src/bitex/failure.js";
import { apiIdentity, checkApiUrl } from "../../src/bitex/url.js";
import { BatchError } from "../../src/errors.js";

function codeOf(url: string): string {
  try {
    checkApiUrl(url);
    return "ok";
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    // The client's own error; the one mapper gives the CLI's the same code and words.
    const mapped = stopFor(error, false);
    expect(mapped)
      .to.be.instanceOf(BatchError)
      .with.property("message", (error as Error).message);
    expect(mapped.code).to.equal((error as ConfigError).code);
    return (error as ConfigError).code;
  }
}

describe("bitex checkApiUrl", () => {
  const table: [string, string][] = [
    ["https://sandbox.bitex.la/api", "ok"],
    ["https://bitex.la/api/", "ok"],
    ["http://127.0.0.1:40123/api", "ok"],
    ["http://127.8.9.10/api", "ok"],
    ["http://127.1/api", "ok"],
    ["http://localhost:3000/api", "ok"],
    ["http://[::1]:3000/api", "ok"],
    ["HTTP://LOCALHOST/api", "ok"],
    ["http://sandbox.bitex.la/api", "insecure_url"],
    ["http://10.0.0.5/api", "insecure_url"],
    ["http://128.0.0.1/api", "insecure_url"],
    ["http://127.0.0.1.example.com/api", "insecure_url"],
    ["http://localhost.example.com/api", "insecure_url"],
    ["http://[::2]/api", "insecure_url"],
    ["http://0.0.0.0/api", "insecure_url"],
    ["sandbox.bitex.la/api", "usage"],
    ["", "usage"],
    ["https://", "usage"],
    ["ftp://bitex.la/api", "usage"],
    ["https://user:secret@bitex.la/api", "usage"],
    ["https://bitex.la/api?key=abc", "usage"],
  ];
  for (const [url, expected] of table) {
    it(`${JSON.stringify(url)} → ${expected}`, () => expect(codeOf(url)).to.equal(expected));
  }

  it("says why in the message and does not echo a query or credentials", () => {
    expect(() => checkApiUrl("http://api.example.com/api")).to.throw(
      "--api-url http://api.example.com is plain http to another machine: API keys travel only over TLS",
    );
    for (const url of ["https://user:s3cret@bitex.la/api", "https://bitex.la/api?key=s3cret"]) {
      expect(() => checkApiUrl(url))
        .to.throw(ConfigError)
        .with.property("message")
        .that.does.not.include("s3cret");
    }
  });

  it("shows a URL it cannot use (no URL at all, or not http) without its credentials, query or fragment", () => {
    const shown: [string, string][] = [
      [
        "https://user:s3cret-key@bitex.la:99999/api",
        '--api-url: expected an http(s) URL like https://sandbox.bitex.la/api, got "https://…@bitex.la:99999/api"',
      ],
      [
        "s3cret-key@sandbox.bitex.la/api",
        '--api-url: expected an http(s) URL like https://sandbox.bitex.la/api, got "…@sandbox.bitex.la/api"',
      ],
      [
        "sandbox.bitex.la/api?token=s3cret-key",
        '--api-url: expected an http(s) URL like https://sandbox.bitex.la/api, got "sandbox.bitex.la/api?…"',
      ],
      [
        "ftp://bitex.la/api?key=s3cret-key",
        '--api-url: expected an https:// URL, got "ftp://bitex.la/api?…"',
      ],
      [
        "ftp://u:s3cret-key@bitex.la/api#x",
        '--api-url: expected an https:// URL, got "ftp://…@bitex.la/api#…"',
      ],
      // BITEX_API_URL and BITEX_API_KEY swapped: text that names no host or path is not shown.
      [
        "0f3c9a7e5b2d4c1a8e6f0b9d7c5a3e1f",
        "--api-url: expected an http(s) URL like https://sandbox.bitex.la/api, got text with no host or path (not shown: it may be the API key, set in the wrong place)",
      ],
      // What holds no credentials is shown as given, so the typo can be seen.
      ["https://", '--api-url: expected an http(s) URL like https://sandbox.bitex.la/api, got "https://"'],
      ["ftp://bitex.la/api", '--api-url: expected an https:// URL, got "ftp://bitex.la/api"'],
    ];
    for (const [url, message] of shown) expect(() => checkApiUrl(url), url).to.throw(ConfigError, message);
  });
});

describe("bitex apiIdentity (is a journal's API this run's API?)", () => {
  const same: [string, string][] = [
    ["https://bitex.la/api", "https://BITEX.LA/api/"],
    ["https://bitex.la:443/api", "https://bitex.la/api//"],
    ["http://127.0.0.1:4000/api", "http://localhost:4000/api"],
    ["HTTP://LocalHost:4000/api/", "http://127.0.0.1:4000/api"],
  ];
  for (const [a, b] of same) it(`${a} is ${b}`, () => expect(apiIdentity(a)).to.equal(apiIdentity(b)));

  const different: [string, string][] = [
    ["https://bitex.la/api", "https://sandbox.bitex.la/api"],
    ["https://bitex.la/api", "https://bitex.la/API"],
    ["https://bitex.la/api", "http://bitex.la/api"],
    ["http://127.0.0.1:4000/api", "http://127.0.0.1:4001/api"],
    ["http://127.0.0.1:4000/api", "http://[::1]:4000/api"],
    ["https://bitex.la:8443/api", "https://bitex.la/api"],
  ];
  for (const [a, b] of different)
    it(`${a} is not ${b}`, () => expect(apiIdentity(a)).to.not.equal(apiIdentity(b)));
});
