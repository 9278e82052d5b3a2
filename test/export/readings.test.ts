import { expect } from "chai";
import { COUNTED_STATES } from "../../src/bitex/counters.js";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { BatchError, exitCodeFor } from "../../src/errors.js";
import { ownReadings, type Reading } from "../../src/export/readings.js";

function request(id: string, count: number, extra: Partial<ConciergeRequest> = {}): ConciergeRequest {
  return { id, state: "finished", outputs_count: count, user_id: "112", ...extra } as ConciergeRequest;
}

function output(id: string, requestId: string | null): ConciergeOutput {
  return { id, request_id: requestId, state: "settled" } as ConciergeOutput;
}

const reading = (r: ConciergeRequest, listed: ConciergeOutput[], countBefore = r.outputs_count): Reading => ({
  request: r,
  countBefore,
  listed,
});

/** The refusal as the CLI prints it: exit code, message, hint. */
function refusal(readings: Reading[]): [number, string, string | undefined] {
  try {
    ownReadings(readings);
  } catch (error) {
    if (!(error instanceof BatchError)) throw error;
    return [exitCodeFor(error), error.message, error.hint];
  }
  throw new Error("not refused");
}

const HINT =
  "this is the server's answer, not this machine's: ask Bitex (developers@bitex.la), or whoever runs a proxy or cache in front of the API, why /concierge_request_outputs?filter[request_id]= answers other requests' outputs; running the export again helps only once that is fixed";

describe("export readings (each request's outputs are its own, all of them)", () => {
  const ids = (outputs: ReadonlyMap<string, ConciergeOutput[]>) =>
    Object.fromEntries([...outputs].map(([id, list]) => [id, list.map((o) => o.id)]));

  it("outputs naming no request, as many as the count: kept", () => {
    const kept = ownReadings([reading(request("7", 2), [output("99", null), output("100", null)])]);
    expect(ids(kept)).to.deep.equal({ "7": ["99", "100"] });
  });

  it("more outputs than the count: those naming no request are left out when the rest are exactly the count", () => {
    const every = [output("99", "7"), output("100", "7"), output("120", null), output("80", null)];
    const kept = ownReadings([reading(request("7", 2), every)]);
    expect(ids(kept)).to.deep.equal({ "7": ["99", "100"] });
  });

  it("more outputs than the count, naming no request: refused, exit 2, naming each request and what it read", () => {
    const every = [output("99", null), output("100", null), output("120", null)];
    expect(refusal([reading(request("12", 1), every), reading(request("7", 2), every)])).to.deep.equal([
      2,
      "the server answered more outputs than the request counts, not all naming their request (7: 3 of 2, 12: 3 of 1): it ignored filter[request_id], or a cache in front of it answered another request's list; nothing was exported",
      HINT,
    ]);
  });

  it("a draft that took an output after it was listed: its reading after the outputs counts it, kept", () => {
    const later = request("5", 3, { state: "draft" });
    const kept = ownReadings([reading(later, [output("1", null), output("2", null), output("3", null)], 2)]);
    expect(ids(kept)).to.deep.equal({ "5": ["1", "2", "3"] });
  });

  /** A request's counters (outputs_<state>): each state given, every other 0. */
  const counted = (states: Record<string, number>): Partial<ConciergeRequest> => {
    return Object.fromEntries(COUNTED_STATES.map((state) => [`outputs_${state}`, states[state] ?? 0]));
  };
  const inState = (id: string, state: string) => ({ ...output(id, "1"), state }) as ConciergeOutput;

  it("outputs read in states their request does not count (an old list, a cache): refused, exit 3, naming what differs", () => {
    // Bitex rejected one payee and settled the other; the cached list still shows both checked.
    const finished = request("1", 2, counted({ settled: 1, rejected: 1 }));
    const returned = request("2", 1, counted({ returned: 1 }));
    expect(
      refusal([
        reading(finished, [inState("10", "accepting"), inState("11", "accepting")]),
        reading(returned, [{ ...inState("12", "settled"), request_id: "2" }]),
      ]),
    ).to.deep.equal([
      3,
      "the outputs read of request(s) 1 (listed 2 accepting; counted 1 rejected, 1 settled), 2 (listed 1 settled; counted 1 returned) are in other states than the request counts: an answer older than the server (a cache), or outputs that moved while read; nothing was exported",
      "run the export again in a few minutes; if it says so again, ask Bitex",
    ]);
  });

  it("outputs read in the states their request counts: kept", () => {
    const finished = request("1", 2, counted({ settled: 1, rejected: 1 }));
    const kept = ownReadings([reading(finished, [inState("10", "rejected"), inState("11", "settled")])]);
    expect(ids(kept)).to.deep.equal({ "1": ["10", "11"] });
  });

  it("an output the request's outputs relationship does not name, where it names them all: refused, exit 2", () => {
    const seven = request("7", 2, { outputs_ids: ["99", "100"] });
    expect(refusal([reading(seven, [output("99", null), output("120", null)])])).to.deep.equal([
      2,
      "the server answered outputs that the request's outputs relationship does not name (7: 120): it ignored filter[request_id], or a cache in front of it answered another request's list; nothing was exported",
      HINT,
    ]);
    // A relationship that names fewer than the count proves nothing of the others.
    const partly = request("7", 2, { outputs_ids: ["99"] });
    expect(ids(ownReadings([reading(partly, [output("99", null), output("120", null)])]))).to.deep.equal({
      "7": ["99", "120"],
    });
  });

  it("one output under two requests: refused, exit 2", () => {
    const readings = [
      reading(request("12", 1), [output("120", null)]),
      reading(request("7", 2), [output("99", null), output("120", null)]),
    ];
    expect(refusal(readings)).to.deep.equal([
      2,
      "the server answered one output under two requests (output 120 under requests 7 and 12): it ignored filter[request_id], or a cache in front of it answered another request's list; nothing was exported",
      HINT,
    ]);
  });

  it("fewer outputs than counted before they were read: refused, exit 3, run again later", () => {
    expect(refusal([reading(request("1203", 1), []), reading(request("5", 1), [])])).to.deep.equal([
      3,
      "the outputs read of request(s) 5, 1203 are fewer than the request counts (0 of 1, 0 of 1): an answer older than the server (a cache) or cut; nothing was exported",
      "run the export again in a few minutes; if it says so again, ask Bitex",
    ]);
  });
});
