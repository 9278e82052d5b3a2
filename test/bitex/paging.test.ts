/**
 * The client never takes part of a list for all of it (paging.ts): every paging style a server
 * may use, page caps, ignored parameters and filters, and lists that change while being read.
 */
import { expect } from "chai";
import { type BitexClient, createBitexClient, type ListInfo } from "../../src/bitex/client.js";
import { ApiError } from "../../src/bitex/errors.js";
import { ids, type ListServerOptions, listServer, outputs } from "../helpers/list-server.js";

const PAGE = "page[size]=500&page[per_page]=500";
/** Page n as the client names it: in both conventions. */
const at = (n: number) => `page[number]=${n}&page[page]=${n}`;
const LIST = `/api/concierge_request_outputs?filter[request_id]=1&${PAGE}`;

function start(options: ListServerOptions) {
  const server = listServer(options);
  const lists: ListInfo[] = [];
  const client = createBitexClient({
    baseUrl: "http://127.0.0.1:9/api",
    apiKey: "sk-paging",
    concurrency: 1,
    rate: 100_000,
    transport: server.transport,
    onList: (info) => lists.push(info),
  });
  return { client, calls: server.calls, lists };
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => expect.fail("expected the list to be refused"),
    (error: unknown) => error,
  );
  expect(error).to.be.instanceOf(ApiError);
  const { kind, sent } = error as ApiError;
  expect([kind, sent]).to.deep.equal(["bad_response", "no"]);
  return error as ApiError;
}

const listed = async (client: BitexClient) => (await client.listOutputs("1")).map((o) => o.id);

describe("bitex client paging: a list is whole only when proven", () => {
  // [style, page cap, items, calls, proof]
  const table: [ListServerOptions["style"], number, number, number, ListInfo["complete"]][] = [
    ["links", 10, 23, 3, "links"],
    ["links", 25, 0, 1, "links"],
    ["meta", 10, 23, 3, "meta"],
    ["meta", 100, 250, 3, "meta"],
    // Bare pages end only at an empty page: one call more than the pages holding items.
    ["bare", 10, 23, 4, "empty_page"],
    ["bare", 25, 60, 4, "empty_page"],
    ["bare", 25, 50, 3, "empty_page"],
    ["bare", 100, 250, 4, "empty_page"],
    ["bare", 500, 3, 2, "empty_page"],
    ["bare", 25, 0, 1, "empty_page"],
  ];
  for (const [style, cap, count, expectedCalls, complete] of table) {
    it(`${style}, pages of at most ${cap}, ${count} outputs: all of them in ${expectedCalls} calls`, async () => {
      const { client, calls, lists } = start({ style, cap, items: () => outputs(1, count) });
      expect(await listed(client)).to.deep.equal(ids(1, count));
      expect(calls).to.have.length(expectedCalls);
      expect(lists).to.deep.equal([
        {
          request: "GET /concierge_request_outputs?filter[request_id]=1",
          complete,
          items: count,
          dropped: 0,
          pages: expectedCalls,
          passes: 1,
        },
      ]);
    });
  }

  it("bare, every output named by the caller: ends at the page that completes them, no empty page", async () => {
    const { client, calls, lists } = start({ style: "bare", cap: 10, items: () => outputs(1, 23) });
    const got = await client.listOutputs("1", new Set(ids(1, 23)));
    expect(got.map((o) => o.id)).to.deep.equal(ids(1, 23));
    expect(calls).to.deep.equal([LIST, `${LIST}&${at(2)}`, `${LIST}&${at(3)}`]);
    expect(lists.map((list) => [list.complete, list.pages])).to.deep.equal([["named", 3]]);
  });

  it("bare, a named output not listed: read on to the empty page (never a short list taken as whole)", async () => {
    const { client, calls, lists } = start({ style: "bare", cap: 10, items: () => outputs(1, 20) });
    const got = await client.listOutputs("1", new Set(ids(1, 21)));
    expect(got.map((o) => o.id)).to.deep.equal(ids(1, 20));
    expect(calls).to.have.length(3);
    expect(lists.map((list) => [list.complete, list.pages])).to.deep.equal([["empty_page", 3]]);
  });

  it("bare: asks page after page with the parameters it began with", async () => {
    const { client, calls } = start({ style: "bare", cap: 10, items: () => outputs(1, 23) });
    await client.listOutputs("1");
    expect(calls).to.deep.equal([LIST, `${LIST}&${at(2)}`, `${LIST}&${at(3)}`, `${LIST}&${at(4)}`]);
  });

  // Bitex's own JSON:API code pages by page[page] and page[per_page] (default 10).
  for (const [sizes, numbers] of [
    [["page[per_page]"], ["page[page]"]],
    [["page[size]"], ["page[number]"]],
  ]) {
    it(`a server reading only ${numbers}/${sizes}: one page of 60 and the empty one, from the first reading`, async () => {
      const { client, calls } = start({
        style: "bare",
        cap: 500,
        sizeParams: sizes,
        numberParams: numbers,
        items: () => outputs(1, 60),
      });
      expect(await listed(client)).to.deep.equal(ids(1, 60));
      expect(await listed(client)).to.deep.equal(ids(1, 60));
      expect(calls).to.deep.equal([LIST, `${LIST}&${at(2)}`, LIST, `${LIST}&${at(2)}`]);
    });
  }

  it("a server reading only page[page] with its default page[per_page] of 10 (a proxy dropped ours)", async () => {
    const { client, calls, lists } = start({
      style: "bare",
      cap: 500,
      defaultSize: 10,
      sizeParams: [],
      numberParams: ["page[page]"],
      items: () => outputs(1, 23),
    });
    expect(await listed(client)).to.deep.equal(ids(1, 23));
    expect(calls).to.deep.equal([LIST, `${LIST}&${at(2)}`, `${LIST}&${at(3)}`, `${LIST}&${at(4)}`]);
    expect(lists[0]).to.include({ complete: "empty_page", pages: 4 });
  });

  it("meta with total_pages and total_items but no page (Bitex's JSON:API code): paged by the page asked", async () => {
    const { client, calls, lists } = start({
      style: "meta",
      cap: 10,
      metaWithoutPage: true,
      numberParams: ["page[page]"],
      items: () => outputs(1, 23),
    });
    expect(await listed(client)).to.deep.equal(ids(1, 23));
    expect(calls).to.deep.equal([LIST, `${LIST}&${at(2)}`, `${LIST}&${at(3)}`]);
    expect(lists[0]).to.include({ complete: "meta", pages: 3 });
  });

  // Bitex's JSON:API code answers total_pages = ceil(total_items / the page size asked): a
  // server that cuts its pages at 10 while asked for 500 says 1 page of 23 items.
  const CAPPED_META: Omit<ListServerOptions, "items"> = {
    style: "meta",
    cap: 10,
    metaWithoutPage: true,
    pagesBySizeAsked: true,
    numberParams: ["page[page]"],
  };
  it("meta counting pages by the size asked while the pages are cut at 10: read on by number to total_items", async () => {
    const { client, calls, lists } = start({ ...CAPPED_META, items: () => outputs(1, 23) });
    expect(await listed(client)).to.deep.equal(ids(1, 23));
    expect(calls).to.deep.equal([LIST, `${LIST}&${at(2)}`, `${LIST}&${at(3)}`]);
    expect(lists[0]).to.include({ complete: "meta", pages: 3, passes: 1, items: 23 });
  });

  it("the same server, its last page full: read on to total_items, no empty page asked", async () => {
    const { client, calls, lists } = start({ ...CAPPED_META, items: () => outputs(1, 20) });
    expect(await listed(client)).to.deep.equal(ids(1, 20));
    expect(calls).to.deep.equal([LIST, `${LIST}&${at(2)}`]);
    expect(lists[0]).to.include({ complete: "meta", pages: 2, items: 20 });
  });

  it("the same server, total_items more than the pages ever hold: refused at the empty page", async () => {
    const { client, calls } = start({ ...CAPPED_META, miscount: 1, items: () => outputs(1, 23) });
    const error = await refusal(client.listOutputs("1"));
    expect(error.detail).to.equal(
      "unexpected answer from Bitex (200): /concierge_request_outputs: meta.total_items says 24 but the pages held 23 items",
    );
    // Pages 1 to 3 and the empty page 4, read twice.
    expect(calls).to.have.length(8);
  });

  for (const count of [60, 10]) {
    it(`a bare server ignoring paging (always page 1; ${count} outputs): refused, never a short list`, async () => {
      // Even when page 1 happens to hold everything: nothing tells this server apart from one
      // that cuts its only page short at 10 (Bitex's default page size) or more.
      const { client, calls } = start({
        style: "bare",
        cap: 25,
        numbers: false,
        items: () => outputs(1, count),
      });
      const error = await refusal(client.listOutputs("1"));
      expect(error.detail).to.equal(
        "unexpected answer from Bitex (200): /concierge_request_outputs: a full page without links or meta; cannot tell whether more exist (page 2 repeated page 1: the server, or a proxy before it, ignores the paging parameters; ask Bitex)",
      );
      // Its own code: the command's stop says running again does not mend it (app/stop.ts).
      expect(error.code).to.equal("api_ignores_paging");
      // Read twice (a one-off repeat would have passed the second time), then given up; each
      // reading also read the request, whose count alone does not name the outputs.
      expect(calls).to.have.length(6);
      expect(calls.filter((call) => call === "/api/concierge_requests/1")).to.have.length(2);
    });
  }

  it("a bare server ignoring every page parameter, the request naming all its outputs: whole by that count", async () => {
    const { client, calls, lists } = start({
      style: "bare",
      cap: 500,
      numbers: false,
      relationship: true,
      items: () => [...outputs(1, 30), ...outputs(31, 34, "2")],
    });
    expect(await listed(client)).to.deep.equal(ids(1, 30));
    expect(calls).to.deep.equal([LIST, `${LIST}&${at(2)}`, "/api/concierge_requests/1"]);
    expect(lists[0]).to.include({ complete: "counted", pages: 2, passes: 1, items: 30 });
  });

  it("ignoring page parameters but cutting page 1 at 25, the request naming 30 outputs: refused", async () => {
    const { client, calls } = start({
      style: "bare",
      cap: 25,
      numbers: false,
      relationship: true,
      items: () => outputs(1, 30),
    });
    const error = await refusal(client.listOutputs("1"));
    expect(error.detail).to.include("a full page without links or meta; cannot tell whether more exist");
    expect(calls).to.have.length(6);
  });

  it("a meta server ignoring every page parameter, total_items agreeing with page 1: whole", async () => {
    const { client, calls, lists } = start({
      style: "meta",
      cap: 500,
      numbers: false,
      metaWithoutPage: true,
      items: () => outputs(1, 40),
    });
    // total_pages 1 on page 1 ends the list there: no second call needed.
    expect(await listed(client)).to.deep.equal(ids(1, 40));
    expect(calls).to.deep.equal([LIST]);
    expect(lists[0]).to.include({ complete: "meta" });
  });

  it("a server ignoring every page parameter with only meta.total_items: whole when the count agrees", async () => {
    const { client, calls, lists } = start({
      style: "bare",
      cap: 500,
      numbers: false,
      countOnly: true,
      items: () => outputs(1, 40),
    });
    expect(await listed(client)).to.deep.equal(ids(1, 40));
    expect(calls).to.deep.equal([LIST, `${LIST}&${at(2)}`]);
    expect(lists[0]).to.include({ complete: "unpaged", pages: 2 });
  });

  it("the same, cutting its page at 25 while total_items says 40: refused", async () => {
    const { client } = start({
      style: "bare",
      cap: 25,
      numbers: false,
      countOnly: true,
      items: () => outputs(1, 40),
    });
    const error = await refusal(client.listOutputs("1"));
    expect(error.detail).to.include("cannot tell whether more exist");
  });

  it("a meta server ignoring page[number] (page 1 of 3, again and again): refused", async () => {
    const { client, calls } = start({ style: "meta", cap: 10, numbers: false, items: () => outputs(1, 23) });
    const error = await refusal(client.listOutputs("1"));
    expect(error.detail).to.include("page 2 repeats page 1: the server ignores paging");
    expect(error.code).to.equal("api_ignores_paging");
    expect(calls).to.have.length(4);
  });

  it("links given as JSON:API link objects ({href}): each next page followed, all 23 outputs", async () => {
    // JSON:API 1.0 lets every link be a URL or a link object; a next page's link object is
    // not the end of the list.
    const { client, calls, lists } = start({
      style: "links",
      cap: 10,
      linkObjects: "href",
      items: () => outputs(1, 23),
    });
    expect(await listed(client)).to.deep.equal(ids(1, 23));
    expect(calls).to.deep.equal([LIST, `${LIST}&page[number]=2`, `${LIST}&page[number]=3`]);
    expect(lists[0]).to.include({ complete: "links", pages: 3, passes: 1, items: 23 });
  });

  it("a next link object naming no URL proves nothing: the next page is asked by number", async () => {
    const { client, calls, lists } = start({
      style: "links",
      cap: 10,
      linkObjects: "without_href",
      items: () => outputs(1, 23),
    });
    expect(await listed(client)).to.deep.equal(ids(1, 23));
    expect(calls).to.deep.equal([LIST, `${LIST}&${at(2)}`, `${LIST}&${at(3)}`]);
    expect(lists[0]).to.include({ complete: "links", pages: 3, passes: 1, items: 23 });
  });

  it("a next link to the page just read: refused, not followed in a loop", async () => {
    const { client, calls } = start({
      style: "links",
      cap: 10,
      loop: true,
      items: () => outputs(1, 23),
    });
    const error = await refusal(client.listOutputs("1"));
    expect(error.detail).to.include("the pages do not advance");
    expect(calls).to.have.length(2);
  });

  it("meta.total_items that the pages never reach: refused", async () => {
    const { client, calls } = start({ style: "meta", cap: 10, miscount: 1, items: () => outputs(1, 23) });
    const error = await refusal(client.listOutputs("1"));
    expect(error.detail).to.include("meta.total_items says 24 but the pages held 23 items");
    expect(calls).to.have.length(6);
  });
});

describe("bitex client paging: repeated pages", () => {
  it("a server answering past the end with the (short) last page again: complete there", async () => {
    const { client, calls, lists } = start({
      style: "bare",
      cap: 25,
      clamp: true,
      items: () => outputs(1, 60),
    });
    expect(await listed(client)).to.deep.equal(ids(1, 60));
    expect(calls).to.have.length(4);
    expect(lists[0]?.complete).to.equal("repeated_last_page");
  });

  it("a repeated full page cannot tell where the list ends: refused", async () => {
    // 50 items in pages of 25: page 3 repeats page 2, which may or may not be the last.
    const { client, calls } = start({ style: "bare", cap: 25, clamp: true, items: () => outputs(1, 50) });
    const error = await refusal(client.listOutputs("1"));
    expect(error.detail).to.include(
      "page 3 holds only items of earlier pages; cannot tell where the list ends",
    );
    expect(calls).to.have.length(6);
  });

  it("page 2 answered once with page 1 again: read again, then whole", async () => {
    const { client, calls, lists } = start({
      style: "bare",
      cap: 10,
      glitch: (call) => (call === 1 ? 1 : undefined),
      items: () => outputs(1, 23),
    });
    expect(await listed(client)).to.deep.equal(ids(1, 23));
    // The repeat looks like a server ignoring paging: the request is read for its count (it
    // names no outputs here, so that proves nothing), then the list is read again.
    expect(calls).to.have.length(2 + 1 + 4);
    expect(calls[2]).to.equal("/api/concierge_requests/1");
    expect(lists[0]).to.include({ complete: "empty_page", passes: 2, pages: 6 });
  });
});

describe("bitex client paging: the list changes while it is read", () => {
  // After the first call, o0 is added at the front: every later page shifts by one item.
  const inserted = (call: number) => (call === 0 ? outputs(1, 23) : outputs(0, 23));
  for (const [style, calls] of [
    ["bare", 8],
    ["meta", 6],
    ["links", 6],
  ] as const) {
    it(`${style}: an item added at the front mid-listing; read again, nothing lost`, async () => {
      const server = start({ style, cap: 10, items: inserted });
      expect(await listed(server.client)).to.deep.equal(ids(0, 23));
      expect(server.calls).to.have.length(calls);
      expect(server.lists[0]).to.include({ passes: 2, items: 24 });
    });
  }

  it("bare: an item moved to the front mid-listing (it would be missed) is found by reading again", async () => {
    // A list ordered by update time: o23 changes after the first call and moves ahead of the cursor.
    const moved = (call: number) => (call === 0 ? outputs(1, 23) : [...outputs(23, 23), ...outputs(1, 22)]);
    const { client, calls } = start({ style: "bare", cap: 10, items: moved });
    expect((await listed(client)).sort()).to.deep.equal(ids(1, 23).sort());
    expect(calls).to.have.length(8);
  });

  it("meta: an item removed mid-listing shows in total_items; read again, nothing skipped", async () => {
    const removed = (call: number) =>
      call === 0 ? outputs(1, 23) : outputs(1, 23).filter((o) => o.id !== "o2");
    const { client, calls } = start({ style: "meta", cap: 10, items: removed });
    expect(await listed(client)).to.deep.equal(ids(1, 23).filter((id) => id !== "o2"));
    expect(calls).to.have.length(6);
  });

  it("a list that never holds still: refused after three readings", async () => {
    // Another new output lands at the front before every call.
    const growing = (call: number) => [...outputs(100, 100 + call).reverse(), ...outputs(1, 23)];
    const { client, calls } = start({ style: "bare", cap: 10, items: growing });
    const error = await refusal(client.listOutputs("1"));
    expect(error.detail).to.include("the list kept changing while it was read (3 readings)");
    expect(error.code).to.equal("api_bad_response"); // it may hold still next time
    // Readings of 4, 4 and 5 calls: the second ends on a page of items seen already (proves nothing).
    expect(calls).to.have.length(13);
  });
});

describe("bitex client paging: filters the server ignored", () => {
  // o1…o30, every other one of request 2.
  const mixed = () => outputs(1, 30).map((o, i) => ({ ...o, request: i % 2 === 0 ? "1" : "2" }));
  const odd = ids(1, 30).filter((_, i) => i % 2 === 0);

  for (const [style, calls] of [
    ["bare", 4],
    ["meta", 3],
  ] as const) {
    it(`${style}: listOutputs keeps only the request's outputs, through every page`, async () => {
      const { client, calls: made, lists } = start({ style, cap: 10, filters: false, items: mixed });
      expect(await listed(client)).to.deep.equal(odd);
      expect(made).to.have.length(calls);
      expect(lists[0]).to.include({ items: 15, dropped: 15 });
    });
  }

  it("an ignored filter and outputs that do not name their request: refused", async () => {
    const items = () => [...mixed(), { id: "o31" }];
    const { client } = start({ style: "bare", cap: 10, filters: false, items });
    const error = await refusal(client.listOutputs("1"));
    expect(error.detail).to.include("the server ignored filter[request_id] (it listed 15 other items)");
  });

  it("outputs that do not name their request, with no sign of an ignored filter: kept", async () => {
    const { client } = start({ style: "bare", cap: 10, items: () => [{ id: "o1" }, { id: "o2" }] });
    expect(await listed(client)).to.deep.equal(["o1", "o2"]);
  });

  it("findRequestsByExternalId keeps only that external_id, through every page", async () => {
    const requests = Array.from({ length: 23 }, (_, i) => ({ id: `${i + 1}`, external: `bb-${i % 5}` }));
    const { client, calls } = start({
      style: "bare",
      type: "concierge_requests",
      cap: 10,
      filters: false,
      items: () => requests,
    });
    const found = await client.findRequestsByExternalId("bb-3");
    expect(found.map((r) => [r.id, r.external_id])).to.deep.equal([
      ["4", "bb-3"],
      ["9", "bb-3"],
      ["14", "bb-3"],
      ["19", "bb-3"],
    ]);
    expect(calls[0]).to.equal(`/api/concierge_requests?filter[external_id]=bb-3&${PAGE}`);
    expect(calls).to.have.length(4);
  });
});

describe("bitex client listRequests", () => {
  it("every request, all pages, no filter", async () => {
    const requests = Array.from({ length: 23 }, (_, i) => ({ id: `${i + 1}` }));
    const { client, calls } = start({
      style: "bare",
      type: "concierge_requests",
      cap: 10,
      items: () => requests,
    });
    const listed = await client.listRequests();
    expect(listed.requests.map((r) => r.id)).to.deep.equal(requests.map((r) => r.id));
    expect(listed.whole).to.equal(true);
    expect(calls[0]).to.equal(`/api/concierge_requests?${PAGE}`);
    expect(calls).to.have.length(4);
  });

  for (const cap of [500, 10]) {
    it(`a server ignoring every page parameter, its one page cut at ${cap}: kept and marked not whole`, async () => {
      const requests = Array.from({ length: 23 }, (_, i) => ({ id: `${i + 1}` }));
      const { client, calls, lists } = start({
        style: "bare",
        type: "concierge_requests",
        cap,
        numbers: false,
        items: () => requests,
      });
      const listed = await client.listRequests();
      expect(listed.requests.map((r) => r.id)).to.deep.equal(requests.slice(0, cap).map((r) => r.id));
      expect(listed.whole).to.equal(false);
      expect(calls).to.deep.equal([
        `/api/concierge_requests?${PAGE}`,
        `/api/concierge_requests?${PAGE}&${at(2)}`,
      ]);
      expect(lists[0]).to.include({ complete: "unproven", pages: 2 });
    });
  }
});

describe("bitex client: a server ignoring every page parameter, other proofs", () => {
  it("an answer shorter than Bitex's default page (10) was not cut: whole", async () => {
    const { client, calls, lists } = start({
      style: "bare",
      cap: 25,
      numbers: false,
      items: () => outputs(1, 9),
    });
    expect(await listed(client)).to.deep.equal(ids(1, 9));
    expect(calls).to.deep.equal([LIST, `${LIST}&${at(2)}`, "/api/concierge_requests/1"]);
    expect(lists[0]).to.include({ complete: "below_page_size", items: 9, pages: 2 });
  });

  for (const relationship of [false, true]) {
    it(`an answer of 5 cut by the server when the request counts 7${relationship ? " and names them" : ""}: refused, not taken whole for being short`, async () => {
      const { client, calls } = start({
        style: "bare",
        cap: 5,
        numbers: false,
        relationship,
        items: () => outputs(1, 7),
      });
      await refusal(listed(client));
      expect(calls.slice(0, 3)).to.deep.equal([LIST, `${LIST}&${at(2)}`, "/api/concierge_requests/1"]);
    });
  }

  it("a lookup by external_id answering one request, a server cutting at 10 and ignoring the filter too: refused", async () => {
    const requests = Array.from({ length: 30 }, (_, i) => ({
      id: `${i + 1}`,
      external: i === 4 ? "bb-5" : "x",
    }));
    const { client } = start({
      style: "bare",
      type: "concierge_requests",
      cap: 10,
      numbers: false,
      filters: false,
      items: () => requests,
    });
    // The server's one page holds 10 items, 1 of them matching: the 9 dropped prove nothing.
    await refusal(client.findRequestsByExternalId("bb-5"));
  });

  it("ports: a list that holds every port asked for serves, whole or not; one lacking a port is refused", async () => {
    const ports = Array.from({ length: 12 }, (_, i) => ({ id: `p${i + 1}` }));
    const { client, lists } = start({ style: "bare", cap: 10, numbers: false, items: () => ports });
    expect((await client.listPorts(["p1", "p10"])).map((p) => p.code)).to.have.length(10);
    expect(lists[0]).to.include({ complete: "sufficient" });
    await refusal(client.listPorts(["p1", "p11"]));
    await refusal(client.listPorts());
  });
});
