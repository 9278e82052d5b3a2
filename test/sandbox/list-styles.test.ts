/**
 * List styles (docs/design.md section 9): `rich` pages with meta and links; `bare` answers as every
 * recorded Bitex list does, only `data`, at most page_cap items a page, reading page[number],
 * page[size] and page[per_page] permissively and ignoring filters it does not know.
 */
import { expect } from "chai";
import type { Faults, Sandbox } from "../../src/sandbox/index.js";
import { Api, assertJsonApiDocument, type Json, startTestSandbox } from "./helpers.js";

describe("sandbox list styles", () => {
  let sandbox: Sandbox;
  let api: Api;
  afterEach(() => sandbox.close());

  async function start(faults: Partial<Faults> = {}) {
    sandbox = await startTestSandbox({ faults });
    api = new Api(sandbox);
  }

  /** `n` outputs in request 1 (ids 1..n), then one in request 2 (id n + 1). */
  async function outputs(n: number): Promise<void> {
    await api.createRequest();
    await api.createRequest();
    for (let i = 1; i <= n; i++) await api.createOutput({ request: "1", amount: i });
    await api.createOutput({ request: "2", amount: 999 });
  }

  /** GETs a list, checks it is a bare JSON:API document, returns its ids. */
  async function bare(path: string): Promise<string[]> {
    const response = await api.get(path);
    expect(response.status, path).to.equal(200);
    assertJsonApiDocument(response.body);
    expect(Object.keys(response.body), path).to.deep.equal(["data"]);
    return response.body.data.map((item: Json) => item.id);
  }

  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

  it("bare: only data, page_cap items a page by default, page[number] walks on", async () => {
    await start({ list_style: "bare", page_cap: 3 });
    await outputs(7);
    expect(await bare("/concierge_request_outputs")).to.deep.equal(["1", "2", "3"]);
    expect(await bare("/concierge_request_outputs?page[number]=2")).to.deep.equal(["4", "5", "6"]);
    expect(await bare("/concierge_request_outputs?page[number]=3")).to.deep.equal(["7", "8"]);
    expect(await bare("/concierge_request_outputs?page[number]=4")).to.deep.equal([]);
  });

  it("bare: page[size] and page[per_page] below the cap are honoured, above it capped", async () => {
    await start({ list_style: "bare", page_cap: 3 });
    await outputs(7);
    expect(await bare("/concierge_request_outputs?page[size]=2&page[number]=2")).to.deep.equal(["3", "4"]);
    expect(await bare("/concierge_request_outputs?page[per_page]=2&page[number]=3")).to.deep.equal([
      "5",
      "6",
    ]);
    // page[size] wins over page[per_page] when both come.
    expect(await bare("/concierge_request_outputs?page[size]=1&page[per_page]=2")).to.deep.equal(["1"]);
    expect(await bare("/concierge_request_outputs?page[size]=500")).to.deep.equal(["1", "2", "3"]);
  });

  it("bare: keeps the documented filters, ignores unknown filters and unreadable page values", async () => {
    await start({ list_style: "bare", page_cap: 3 });
    await outputs(4);
    expect(await bare("/concierge_request_outputs?filter[request_id]=2")).to.deep.equal(["5"]);
    expect(await bare("/concierge_request_outputs?filter[state]=settled&page[number]=2")).to.deep.equal([
      "4",
      "5",
    ]);
    for (const query of ["page[number]=0", "page[size]=abc", "page[number]=-1", "page[per_page]=2.5"]) {
      expect(await bare(`/concierge_request_outputs?${query}`), query).to.deep.equal(["1", "2", "3"]);
    }
    await api.patch("/concierge_requests/2", {
      data: { type: "concierge_requests", attributes: { external_id: "x" } },
    });
    expect(await bare("/concierge_requests?filter[external_id]=x")).to.deep.equal(["2"]);
    expect(await bare("/users?filter[email]=nobody")).to.deep.equal(["112", "113", "345"]);
  });

  it("bare: the cap defaults to 25", async () => {
    await start({ list_style: "bare" });
    await outputs(29);
    expect(await bare("/concierge_request_outputs")).to.deep.equal(range(1, 25));
    expect(await bare("/concierge_request_outputs?page[number]=2")).to.deep.equal(range(26, 30));
  });

  it("recorded by default: only data, page[page] and page[per_page] up to 10, page[number]/page[size] ignored", async () => {
    await start();
    await outputs(24);
    expect(await bare("/concierge_request_outputs")).to.deep.equal(range(1, 10));
    expect(await bare("/concierge_request_outputs?page[page]=3")).to.deep.equal(range(21, 25));
    expect(await bare("/concierge_request_outputs?page[page]=4")).to.deep.equal([]);
    expect(await bare("/concierge_request_outputs?page[per_page]=4&page[page]=2")).to.deep.equal(range(5, 8));
    expect(await bare("/concierge_request_outputs?page[per_page]=500")).to.deep.equal(range(1, 10));
    expect(await bare("/concierge_request_outputs?page[number]=2&page[size]=3")).to.deep.equal(range(1, 10));
    for (const query of ["page[page]=0", "page[per_page]=abc", "page[page]=-1"]) {
      expect(await bare(`/concierge_request_outputs?${query}`), query).to.deep.equal(range(1, 10));
    }
    expect(await bare("/concierge_request_outputs?filter[request_id]=2")).to.deep.equal(["25"]);
  });

  for (const cap of [3, 25]) {
    it(`recorded, page_cap ${cap}: page[per_page] honoured up to ${cap}, default min(10, ${cap})`, async () => {
      await start({ page_cap: cap });
      await outputs(29);
      const size = Math.min(10, cap);
      expect(await bare("/concierge_request_outputs")).to.deep.equal(range(1, size));
      expect(await bare("/concierge_request_outputs?page[per_page]=500&page[page]=2")).to.deep.equal(
        range(cap + 1, Math.min(2 * cap, 30)),
      );
    });
  }

  it("unpaged: the whole list on every call, every page parameter ignored, filters kept", async () => {
    await start({ list_style: "unpaged" });
    await outputs(29);
    for (const query of ["", "?page[page]=2&page[per_page]=3", "?page[number]=9&page[size]=1"]) {
      expect(await bare(`/concierge_request_outputs${query}`), query).to.deep.equal(range(1, 30));
    }
    expect(await bare("/concierge_request_outputs?filter[request_id]=2&page[page]=2")).to.deep.equal(["30"]);
  });

  it("the rich style on request, and the style switches live through POST /_sandbox/faults", async () => {
    await start({ list_style: "rich" });
    await outputs(4);
    const rich = await api.get("/concierge_request_outputs?page[size]=2");
    expect(Object.keys(rich.body)).to.deep.equal(["data", "meta", "links"]);
    expect(rich.body.meta).to.deep.equal({ total_items: 5, total_pages: 3, page: 1, page_size: 2 });

    const set = await api.control("POST", "faults", { list_style: "bare", page_cap: 4 });
    expect(set.status).to.equal(200);
    expect(set.body).to.include({ list_style: "bare", page_cap: 4 });
    expect(await bare("/concierge_request_outputs?page[size]=10")).to.deep.equal(["1", "2", "3", "4"]);

    sandbox.setFaults({ list_style: "rich" });
    const again = await api.get("/concierge_request_outputs?page[size]=10");
    expect(again.body.meta.total_items).to.equal(5);
    expect(again.body.data).to.have.length(5); // page_cap does not apply to rich lists
    // A rich list still refuses what it cannot read.
    expect((await api.get("/users?page[number]=0")).status).to.equal(400);
  });

  it("refuses an unknown style or a page_cap below 1 with 400 (HTTP) or a usage error (start)", async () => {
    await start();
    for (const body of [{ list_style: "fancy" }, { page_cap: 0 }, { page_cap: 2.5 }, { list_style: 1 }]) {
      const response = await api.control("POST", "faults", body);
      expect(response.status, JSON.stringify(body)).to.equal(400);
      expect(response.body.error).to.match(/^faults: (list_style|page_cap): expected/);
    }
    const error = await startTestSandbox({ faults: { page_cap: -1 } }).catch((e: unknown) => e);
    expect(error).to.have.property("code", "usage");
  });
});
