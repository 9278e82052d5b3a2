/**
 * The recorder (test/record/) against the local emulator, on loopback only: its plan, its
 * dry run (nothing sent), the files it writes (the format of fixtures/recorded/, the key and
 * e-mails redacted), its guards (never in CI, never production, no key no run). The real
 * recording needs a Bitex sandbox key and is run by hand (README, "Recording real exchanges").
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { tempDir } from "../helpers/cli.js";
import { type Json, readFixture, startTestSandbox, TEST_SEED } from "../sandbox/helpers.js";
import { main } from "./record.js";
import { checkTarget, plan, type RecordOptions, Redactor, record } from "./recorder.js";

const NAMES = [
  "concierge_ports-list",
  "concierge_ports-list-page_size",
  "concierge_ports-list-per_page",
  "concierge_requests-list",
  "concierge_requests-create",
  "concierge_requests-find",
  "concierge_requests-list-filter_external_id",
  "concierge_request_outputs-create",
  "concierge_request_outputs-find",
  "concierge_request_outputs-list-filter_request_id",
  "concierge_requests-request_quote",
];

describe("recorder (test/record/): concierge exchanges into fixtures/recorded's format", function () {
  this.timeout(20_000);
  let sandbox: Sandbox;
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(`ERR ${line}`) };
  const args = (url: string, extra: string[] = []) => [
    "--api-url",
    url,
    "--sender-port",
    "ar_ars",
    "--recipient",
    "345",
    "--port",
    "cl_clp",
    "--amount",
    "850000",
    "--instruction",
    "2121",
    ...extra,
  ];

  beforeEach(async () => {
    lines.length = 0;
    // The emulator's clock runs (not advanceOnly), so an ar_ars → cl_clp quote is in at once.
    // Addresses off example.com, so that their redaction shows.
    const users = TEST_SEED.users.map((u) => ({ ...u, email: u.email.replace("example.com", "corp.test") }));
    sandbox = await startTestSandbox({ advanceOnly: false, timeScale: 1, seed: { ...TEST_SEED, users } });
  });
  afterEach(() => sandbox.close());

  const options = (extra: Partial<RecordOptions> = {}): RecordOptions => ({
    apiUrl: sandbox.url,
    apiKey: sandbox.apiKey,
    senderPort: "ar_ars",
    recipientUserId: "345",
    port: "cl_clp",
    amount: "850000",
    withdrawalInstructionId: "2121",
    accept: false,
    quoteWaitMs: 0,
    pauseMs: 0,
    stamp: "20260101T000000000Z",
    ...extra,
  });

  it("plans the concierge calls bitex-batch makes, then a cancel (or an accept with --accept)", () => {
    const calls = plan(options());
    expect(calls.map((c) => c.name)).to.deep.equal([...NAMES, "concierge_requests-cancel"]);
    expect(plan(options({ accept: true })).at(-1)?.name).to.equal("concierge_requests-accept_quote");
    expect(calls[4]?.path).to.equal("/concierge_requests");
    expect(calls[6]?.path).to.equal(
      "/concierge_requests?filter[external_id]=bitex-batch-record-20260101T000000000Z",
    );
    expect(calls[9]?.path).to.equal("/concierge_request_outputs?filter[request_id]={request_id}");
  });

  it("--dry-run prints the plan and sends nothing, with no key at all", async () => {
    const code = await main(args(sandbox.url, ["--dry-run"]), {}, io);
    expect(code, lines.join("\n")).to.equal(0);
    expect(lines[0]).to.equal(
      `record: dry run, nothing sent. Against ${sandbox.url} it would make, in order:`,
    );
    expect(lines.filter((line) => line.includes("→"))).to.have.length(NAMES.length + 1);
    expect(lines.join("\n")).to.include('"attributes":{"port_code":"cl_clp","amount":850000,"budget":null}');
    expect(sandbox.state().stats.calls).to.equal(0);
  });

  it("records every exchange in the format of fixtures/recorded/, key and e-mails redacted", async () => {
    const dir = await tempDir();
    const code = await main(
      args(sandbox.url, ["--out", dir, "--version", "2.1"]),
      { BITEX_API_KEY: sandbox.apiKey },
      io,
    );
    expect(code, lines.join("\n")).to.equal(0);
    const files = (await readdir(dir)).sort();
    expect(files).to.deep.equal([...NAMES, "concierge_requests-cancel"].map((n) => `${n}.json`).sort());
    const model = readFixture("fixtures/recorded/withdrawal_instructions-find.json") as Json;
    for (const file of files) {
      const text = await readFile(join(dir, file), "utf8");
      expect(text, file).to.not.include(sandbox.apiKey);
      expect(text, file).to.not.include("corp.test");
      const recording = JSON.parse(text);
      expect(Object.keys(recording), file).to.deep.equal([
        ...Object.keys(model).filter((k) => k !== "note"),
        "note",
      ]);
      expect(Object.keys(recording.request)).to.deep.equal(["method", "path", "headers", "body"]);
      expect(Object.keys(recording.response)).to.deep.equal(["status", "headers", "body"]);
      expect(recording.request.headers).to.deep.equal({
        "Content-Type": "application/vnd.api+json",
        Accept: "application/vnd.api+json",
        Version: "2.1",
        Authorization: "<redacted>",
      });
      expect(recording.request.path, file).to.match(/^\/api\/concierge_/);
      expect(recording.response.status, file).to.equal(200);
      // As in every recording of the real service: Content-Type and the server's X-Request-Id.
      const { "X-Request-Id": requestId, ...rest } = recording.response.headers;
      expect(rest, file).to.deep.equal({ "Content-Type": "application/vnd.api+json; charset=utf-8" });
      expect(requestId, file).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(recording.recorded_at).to.match(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    }
    const output = JSON.parse(await readFile(join(dir, "concierge_request_outputs-create.json"), "utf8"));
    expect(output.request.body.data.attributes).to.deep.equal({
      port_code: "cl_clp",
      amount: 850000,
      budget: null,
    });
    expect(output.request.body.data.relationships.request.data.id).to.equal("1");
    const [user, instruction] = output.response.body.included;
    expect(user.attributes.email).to.equal("person1@example.com");
    expect(user.attributes.name).to.equal("Test User");
    expect(instruction.attributes.body).to.deep.equal({
      payment_method: "domestic_bank",
      bank_account_number: "<redacted>",
    });
    const cancelled = JSON.parse(await readFile(join(dir, "concierge_requests-cancel.json"), "utf8"));
    expect(cancelled.response.body.data.attributes.state).to.equal("cancelled");
    expect(lines.at(-1)).to.equal(`record: 12 file(s) written to ${dir}`);
  });

  it("--accept accepts the quote once it is in, and the world is left quote_accepted", async () => {
    const recordings = await record(options({ accept: true, quoteWaitMs: 2000 }));
    expect(recordings.map((r) => r.name).at(-1)).to.equal("concierge_requests-accept_quote");
    expect(recordings.at(-1)?.recording.response.status).to.equal(200);
    expect(sandbox.state().requests.map((r) => r.attributes.state)).to.deep.equal(["quote_accepted"]);
  });

  it("a refused create stops the calls that need its id, and is recorded as it came", async () => {
    const recordings = await record(options({ withdrawalInstructionId: "99" }));
    expect(recordings.map((r) => r.name).at(-1)).to.equal("concierge_request_outputs-create");
    expect(recordings.at(-1)?.recording.response).to.deep.include({
      status: 404,
      body: { errors: [{ code: null, detail: null }] },
    });
  });

  it("refuses: in CI, without a key, against anything but the Bitex sandbox or loopback, over existing files", async () => {
    expect(await main(args(sandbox.url), { CI: "true", BITEX_API_KEY: "k" }, io)).to.equal(2);
    expect(lines.at(-1)).to.include("refusing to run where CI is set");
    expect(await main(args(sandbox.url), {}, io)).to.equal(2);
    expect(lines.at(-1)).to.include("set BITEX_API_KEY");
    expect(await main(args("https://bitex.la/api", ["--dry-run"]), {}, io)).to.equal(2);
    const dir = await tempDir();
    await writeFile(join(dir, "concierge_ports-list.json"), "{}");
    expect(await main(args(sandbox.url, ["--out", dir]), { BITEX_API_KEY: sandbox.apiKey }, io)).to.equal(2);
    expect(lines.at(-1)).to.include("already exist; --force to replace them");
    expect(sandbox.state().stats.calls).to.equal(0);
  });

  const targets: [string, boolean][] = [
    ["https://sandbox.bitex.la/api", true],
    ["http://127.0.0.1:4000/api", true],
    ["http://localhost:4000/api", true],
    ["http://sandbox.bitex.la/api", false],
    ["https://bitex.la/api", false],
    ["https://sandbox.bitex.la.evil.example/api", false],
    ["http://10.0.0.1/api", false],
    ["https://sandbox.bitex.la/api?key=x", false],
  ];
  for (const [url, ok] of targets) {
    it(`checkTarget ${url} → ${ok ? "allowed" : "refused"}`, () => {
      if (ok) expect(() => checkTarget(url)).to.not.throw();
      else expect(() => checkTarget(url)).to.throw(RangeError);
    });
  }

  it("Redactor: the key anywhere (an impersonation suffix kept), one address per person, names, instruction bodies", () => {
    const redactor = new Redactor("s3cret");
    const redacted = redactor.recording({
      source: "x",
      recorded_at: "y",
      request: {
        method: "GET",
        path: "/api/users",
        headers: { Authorization: "s3cret; user=600" },
        body: null,
      },
      response: {
        status: 200,
        headers: {},
        body: {
          data: [
            { id: "1", type: "users", attributes: { name: "Jane Roe", email: "Jane@Corp.io" } },
            { id: "2", type: "users", attributes: { name: "jane@corp.io", email: "bob@corp.io" } },
          ],
          included: [
            {
              id: "9",
              type: "withdrawal_instructions",
              attributes: { label: "l", body: { country: "AR", currency: "ARS", cbu: "0123", name: "Jane" } },
            },
          ],
          meta: { echo: "key=s3cret" },
        },
      },
    });
    expect(redacted.request.headers.Authorization).to.equal("<redacted>; user=600");
    const body = redacted.response.body as Json;
    expect(body.data[0].attributes).to.deep.equal({ name: "Test User", email: "person1@example.com" });
    expect(body.data[1].attributes).to.deep.equal({
      name: "person1@example.com",
      email: "person2@example.com",
    });
    expect(body.included[0].attributes.body).to.deep.equal({
      country: "AR",
      currency: "ARS",
      cbu: "<redacted>",
      name: "<redacted>",
    });
    expect(body.meta.echo).to.equal("key=<redacted>");
  });
});
