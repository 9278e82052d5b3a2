/**
 * The wait for quotes (BatchFollow.quote): the line that says it waits names the last `eta`
 * announced by its instant, whatever offset each is written with.
 */
import { expect } from "chai";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import type { BatchError } from "../../src/errors.js";
import { BatchFollow } from "../../src/follow/run.js";
import { request, TWO_PAYERS, twoPayersFollow, twoPayersJournal } from "../helpers/follow-fakes.js";

const AT = "2026-11-29T10:00:00Z";

const waiting = (id: string, output: string, eta: string) =>
  request({
    id,
    state: "quote_requested",
    external_id: id === "7" ? "bb-test-1" : "bb-test-2",
    outputs_count: 1,
    outputs_accepting: 1,
    outputs_ids: [output],
    eta,
  });

describe("follow/quote: waiting for the quotes", () => {
  it("names the last eta by its instant: 08:30 at -03:00 comes after 10:20 UTC, though its text sorts first", async () => {
    const reads = new Map<string, number>();
    const requests = new Map<string, ConciergeRequest>([
      ["7", waiting("7", "71", "2026-11-29T10:20:00Z")],
      ["8", waiting("8", "81", "2026-11-29T08:30:00-03:00")],
    ]);
    const api = {
      // Quoted on the second read of each.
      getRequest: async (id: string): Promise<ConciergeRequest> => {
        const n = (reads.get(id) ?? 0) + 1;
        reads.set(id, n);
        const read = requests.get(id) as ConciergeRequest;
        return n < 2 ? { ...read } : { ...read, state: "quoted", total_to_spend: "10.00" };
      },
      findRequestsByExternalId: async (): Promise<ConciergeRequest[]> => {
        throw new Error("the journal names every request");
      },
      listOutputs: async (): Promise<ConciergeOutput[]> => {
        throw new Error("the journal and the request prove the outputs: nothing to list");
      },
      requestQuote: async (): Promise<ConciergeRequest> => {
        throw new Error("asked already");
      },
      acceptQuote: async (): Promise<ConciergeRequest> => {
        throw new Error("not accepting");
      },
    };
    const said: string[] = [];
    const follow = new BatchFollow({
      api,
      file: "payroll.csv",
      plan: { batchId: "test", requests: TWO_PAYERS, fingerprint: "f" },
      past: twoPayersJournal([
        {
          t: "created",
          line: 2,
          request_id: "7",
          output_id: "71",
          state: "accepting",
          via: "response",
          at: AT,
        },
        {
          t: "created",
          line: 3,
          request_id: "8",
          output_id: "81",
          state: "accepting",
          via: "response",
          at: AT,
        },
      ]),
      journal: null,
      signal: new AbortController().signal,
      settleMs: 1,
      allowPartial: false,
      say: (line) => said.push(line),
      tellTime: (iso) => `<${iso}>`,
    });
    await follow.quote(5_000, 1);
    expect(said).to.deep.equal([
      "waiting for the quote of request(s) 7, 8 (eta <2026-11-29T08:30:00-03:00>)",
    ]);
    expect(follow.views.map((view) => view.request?.state)).to.deep.equal(["quoted", "quoted"]);
  });

  it("a quote past its deadline that Bitex still shows quoted: the drafts are not quoted, refused naming it", async () => {
    const lapsed = request({
      id: "7",
      state: "quoted",
      external_id: "bb-test-1",
      outputs_count: 1,
      outputs_accepting: 1,
      outputs_ids: ["71"],
      total_to_spend: "10.00",
      accept_quote_before: "2026-11-29T10:10:00Z",
    });
    const draft = request({
      id: "8",
      state: "draft",
      external_id: "bb-test-2",
      outputs_count: 1,
      outputs_accepting: 1,
      outputs_ids: ["81"],
    });
    const asked: string[] = [];
    const api = {
      // A quote asked for is requested from then on.
      getRequest: async (id: string): Promise<ConciergeRequest> =>
        id === "7" ? { ...lapsed } : { ...draft, state: asked.includes(id) ? "quote_requested" : "draft" },
      findRequestsByExternalId: async (): Promise<ConciergeRequest[]> => {
        throw new Error("the journal names every request");
      },
      listOutputs: async (): Promise<ConciergeOutput[]> => {
        throw new Error("the journal and the request prove the outputs: nothing to list");
      },
      requestQuote: async (id: string): Promise<ConciergeRequest> => {
        asked.push(id);
        return { ...draft, state: "quote_requested" };
      },
      acceptQuote: async (): Promise<ConciergeRequest> => {
        throw new Error("not accepting");
      },
    };
    const follow = twoPayersFollow(api, {
      serverClock: { serverNow: () => new Date("2026-11-29T10:16:00Z"), serverPace: () => null },
    });
    const refused = await follow.quote(50, 1).then(
      () => null,
      (error: unknown) => error as BatchError,
    );
    expect(asked).to.deep.equal([]);
    expect([refused?.code, refused?.message, refused?.hint]).to.deep.equal([
      "refused",
      "the quote of request(s) 7 lapsed at <2026-11-29T10:10:00Z>, so request(s) 8 were not quoted: the batch's quotes can no longer be accepted together",
      "once Bitex shows it cancelled, bitex-batch status payroll.csv writes payroll.remaining.csv with the batch's rows, to submit",
    ]);
  });
});
