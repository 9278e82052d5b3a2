/**
 * What stops a command when Bitex refuses the key, for each 401 Bitex was recorded answering
 * (fixtures/recorded/): a key Bitex does not know, and a valid key whose level lacks the
 * permission for the call (Bitex's Ruby SDK: "with unauthorized level key" → "Not enough
 * permissions"), which no check of BITEX_API_KEY or --api-url can mend.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { stopFor, withRerun } from "../../src/app/stop.js";
import { badResponse, errorFromResponse, IGNORES_PAGING } from "../../src/bitex/errors.js";
import { BatchError, exitCodeFor } from "../../src/errors.js";
import { fromRoot } from "../helpers/root.js";

function recorded(name: string) {
  const recording = JSON.parse(readFileSync(fromRoot("fixtures", "recorded", name), "utf8")) as {
    request: { method: string; path: string };
    response: { status: number; body: unknown };
  };
  const { status, body } = recording.response;
  const request = `${recording.request.method} ${recording.request.path.replace(/^\/api/, "")}`;
  return errorFromResponse(status, { get: () => null }, JSON.stringify(body), request);
}

const words = (error: unknown, sentAny: boolean) => {
  const stop = stopFor(error, sentAny);
  return [exitCodeFor(stop), stop.message, stop.hint];
};

describe("a key Bitex refuses, as recorded", () => {
  it("an unknown key: check the key and the URL (before anything was sent: exit 2)", () => {
    expect(words(recorded("accounts-list-invalid_api_key.json"), false)).to.deep.equal([
      2,
      "the API refused the key: Bitex refused the API key (401): Invalid Api Key",
      "check BITEX_API_KEY and --api-url",
    ]);
  });

  it("a valid key whose level lacks the permission: says so, and what key to use instead", () => {
    const error = recorded("cash_withdrawals-create-not_enough_permissions.json");
    expect([error.kind, error.code, error.sent]).to.deep.equal(["unauthorized", "api_unauthorized", "no"]);
    const hint =
      "use a key whose level lets it create and accept (a read-only key cannot), with Master User access for concierge requests and managed users (ask developers@bitex.la), in BITEX_API_KEY";
    const detail =
      "Bitex refused the call: the key lacks the permission for it (401): Not enough permissions";
    expect(words(error, false)).to.deep.equal([2, `the API refused the key: ${detail}`, hint]);
    expect(words(error, true)).to.deep.equal([
      3,
      `the API refused the key mid-run: ${detail}`,
      `${hint}; then run the same command again to resume; nothing will be paid twice`,
    ]);
  });
});

describe("a list the server does not page", () => {
  // paging.ts's refusal when page 2 repeats page 1 and nothing proves the one answer whole.
  const unpaged = () =>
    badResponse(
      200,
      "/users: page 2 repeats page 1: the server ignores paging",
      "no",
      undefined,
      undefined,
      IGNORES_PAGING,
    );
  const mend =
    "ask Bitex (developers@bitex.la), or whoever runs a proxy before it, why the list ignores page[number] and page[size]";
  const message =
    "the API failed: unexpected answer from Bitex (200): /users: page 2 repeats page 1: the server ignores paging";

  it("before anything was sent: exit 2, since running again answers the same (never a cron job's endless exit 3)", () => {
    expect(words(unpaged(), false)).to.deep.equal([
      2,
      message,
      `running again does not change it: ${mend}; nothing was sent`,
    ]);
  });

  it("after something was sent: exit 3 to resume, once the list pages", () => {
    expect(words(unpaged(), true)).to.deep.equal([
      3,
      message,
      `${mend}; once it pages, run the same command again to resume; nothing will be paid twice`,
    ]);
  });

  it("any other unexpected answer is a stop to run again (exit 3), as before", () => {
    const other = badResponse(200, "/users: not a JSON:API document", "no");
    expect(words(other, false)[0]).to.equal(3);
  });
});

describe("withRerun: an exit-3 stop ends with the command to run", () => {
  const resume = "run the same command again to resume; nothing will be paid twice: bitex-batch status p.csv";
  const stop = (hint?: string) =>
    withRerun(new BatchError("conflict", "stopped", hint === undefined ? {} : { hint }), resume).hint;

  it("a hint of its own with no command is kept before it (helper-109); one with a command gives way (helper-110)", () => {
    expect(stop()).to.equal(resume);
    expect(stop("run the same command again; nothing is sent twice")).to.equal(resume);
    expect(stop("cancel at Bitex the ones that hold no output, then run again")).to.equal(
      "cancel at Bitex the ones that hold no output, then run again: bitex-batch status p.csv",
    );
    expect(stop("run bitex-batch status p.csv later (with --watch to wait); nothing is sent by it")).to.equal(
      resume,
    );
    // Rows not created yet: submit creates them, never status again (helper-111).
    const submit = "run bitex-batch submit p.csv to finish creating them (it resumes)";
    expect(stop(submit)).to.equal(submit);
    const resumeSubmit =
      "run the same command again to resume; nothing will be paid twice: bitex-batch submit p.csv --until final";
    expect(withRerun(new BatchError("not_yet", "x", { hint: submit }), resumeSubmit).hint).to.equal(
      resumeSubmit,
    );
  });

  it("a stop of another exit code keeps its hint", () => {
    const usage = new BatchError("input", "bad", { hint: "fix it" });
    expect(withRerun(usage, resume).hint).to.equal("fix it");
  });
});
