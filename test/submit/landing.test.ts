/**
 * The submit engine while unclear creates settle on their own delays (docs/design.md section
 * 6): a create that lands within its own delay while another row's has passed, between a
 * listing and the count read after it; another writer's output in that window; an identical
 * row's create landing after the first row was sent again; a row refused on every send. The engine runs in-process against the emulator
 * through an API whose creates can fail unclearly and land when the test says.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { stopFor } from "../../src/app/stop.js";
import { type BitexClient, createBitexClient } from "../../src/bitex/client.js";
import { exitCodeFor } from "../../src/errors.js";
import type { ValidRow } from "../../src/model.js";
import { plan } from "../../src/plan/plan.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type SubmitApi, type SubmitResult, submitPlan } from "../../src/submit/engine.js";
import { tempDir } from "../helpers/cli.js";
import { sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";
import { type JournalEntry, journalLines, perInstruction, unclear, validRows } from "./rows.js";

/** Every create is held this long: the round takes time, so the delays overlap it. */
const CREATE_MS = 150;

type CreateArgs = Parameters<SubmitApi["createOutput"]>[0];

interface Send {
  instruction: string;
  /** ms since the run started, when the create was sent and when it returned */
  at: number;
  done: number;
  refused: boolean;
}

/**
 * What a test says of one create: refuse it (unclear, it never reaches the server), pass it
 * on, or drop it (it lands, and its answer is the same unclear refusal).
 */
type Decide = (args: CreateArgs, nth: number) => "refuse" | "pass" | "drop";

interface Scene {
  sends: Send[];
  /** Started when the run starts. */
  started: number;
  elapsed(): number;
}

describe("submit engine: late commits while unclear creates settle on their own delays", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let client: BitexClient;
  afterEach(async () => {
    client?.close();
    await box?.close();
  });

  /** Ten rows of one request (one sender port), and the emulator. */
  async function tenRows(): Promise<{ rows: ValidRow[]; others: ValidRow[] }> {
    const made = makeWorld(20);
    box = await sandbox({}, made.seed);
    client = createBitexClient({ baseUrl: box.url, apiKey: box.apiKey, concurrency: 1, rate: 1000 });
    const rows = validRows(made.rows);
    return {
      rows: rows.filter((row) => row.senderPort === "ar_ars"),
      others: rows.filter((row) => row.senderPort !== "ar_ars"),
    };
  }

  /**
   * The client with creates held CREATE_MS and refused as `decide` says, without `getOutput`
   * when `listOnly` (the engine then lists the request's outputs and reads its count after);
   * with `included`, the request's outputs are also read in one call (afterList after it too);
   * `beforeRead` runs before each read of a request.
   */
  function api(
    scene: Scene,
    decide: Decide,
    hooks: { afterList?: () => Promise<void>; included?: string[]; beforeRead?: () => Promise<void> } = {},
    listOnly = false,
  ) {
    let creates = 0;
    const wrapped: SubmitApi = {
      findRequestsByExternalId: (externalId) => client.findRequestsByExternalId(externalId),
      createRequest: (input) => client.createRequest(input),
      getRequest: async (id) => {
        await hooks.beforeRead?.();
        return client.getRequest(id);
      },
      listPageSize: () => client.listPageSize(),
      ...(listOnly ? {} : { getOutput: (id: string) => client.getOutput(id) }),
      listOutputs: async (requestId) => {
        const listed = await client.listOutputs(requestId);
        await hooks.afterList?.();
        return listed;
      },
      ...(hooks.included
        ? {
            includedOutputs: async (requestId: string) => {
              const included = await client.includedOutputs(requestId);
              hooks.included?.push(requestId);
              await hooks.afterList?.();
              return included;
            },
          }
        : {}),
      createOutput: async (args) => {
        const send: Send = {
          instruction: args.withdrawalInstructionId ?? "",
          at: scene.elapsed(),
          done: 0,
          refused: false,
        };
        scene.sends.push(send);
        await sleep(CREATE_MS);
        try {
          const decision = decide(args, creates++);
          if (decision === "drop") await client.createOutput(args);
          if (decision !== "pass") {
            send.refused = true;
            throw unclear();
          }
          return await client.createOutput(args);
        } finally {
          send.done = scene.elapsed();
        }
      },
    };
    return wrapped;
  }

  function scene(): Scene {
    const made: Scene = { sends: [], started: Date.now(), elapsed: () => Date.now() - made.started };
    return made;
  }

  async function run(
    rows: ValidRow[],
    wrapped: SubmitApi,
    settleMs: number,
    at: Scene,
    maxRounds?: number,
  ): Promise<{ result: SubmitResult; journal: JournalEntry[] }> {
    const journalPath = join(await tempDir(), "journal.jsonl");
    at.started = Date.now();
    const result = await submitPlan({
      plan: plan("landing", rows),
      journalPath,
      fileLabel: "landing.csv",
      apiLabel: box.url,
      api: wrapped,
      concurrency: 1,
      signal: new AbortController().signal,
      stopFor,
      say: () => undefined,
      settle: { lateMs: settleMs },
      ...(maxRounds === undefined ? {} : { maxRounds }),
    });
    const journal = await journalLines(journalPath);
    return { result, journal };
  }

  const createdVia = (journal: JournalEntry[], line: number) =>
    journal.filter((entry) => entry.t === "created" && entry.line === line).map((entry) => entry.via);
  const intents = (journal: JournalEntry[], line: number) =>
    journal.filter((entry) => entry.t === "intent" && entry.line === line).length;

  it("a create landing between the listing and the count while its own delay runs: read again at its delay, then the other row is sent once", async () => {
    const SETTLE = 1_500;
    const { rows } = await tenRows();
    const first = rows[0] as ValidRow;
    const later = rows[8] as ValidRow;
    const at = scene();
    let held: CreateArgs | null = null;
    let landedAt = -1;
    const wrapped = api(
      at,
      (args) => {
        const id = args.withdrawalInstructionId;
        if (id === first.withdrawalInstructionId && at.sends.filter((s) => s.instruction === id).length === 1)
          return "refuse"; // never reaches the server
        if (id === later.withdrawalInstructionId && held === null) {
          held = args; // reaches the server later, when the test says
          return "refuse";
        }
        return "pass";
      },
      {
        // The first listing taken after the first row's delay: the later row's create lands
        // once it is read and before the request's count is.
        afterList: async () => {
          const refusedFirst = at.sends.find(
            (s) => s.refused && s.instruction === first.withdrawalInstructionId,
          );
          if (!held || landedAt >= 0 || !refusedFirst || at.elapsed() < refusedFirst.done + SETTLE) return;
          await client.createOutput(held);
          landedAt = at.elapsed();
        },
      },
      true,
    );
    const { result, journal } = await run(rows, wrapped, SETTLE, at);

    expect(result.stopped).to.equal(null);
    expect(perInstruction(box)).to.deep.equal(rows.map((row) => [row.withdrawalInstructionId, 1]).sort());
    expect(createdVia(journal, later.line)).to.deep.equal(["reconciled"]);
    expect(intents(journal, later.line)).to.equal(1);
    expect(createdVia(journal, first.line)).to.deep.equal(["response"]);
    expect(intents(journal, first.line)).to.equal(2);
    const refusedLater = at.sends.find(
      (s) => s.refused && s.instruction === later.withdrawalInstructionId,
    ) as Send;
    // It landed within its own delay, after the first row's had passed...
    expect(landedAt).to.be.above(0);
    expect(landedAt).to.be.below(refusedLater.done + SETTLE);
    // ...so the count disagreed with that reading: the first row waited for the later row's delay.
    const again = at.sends.filter((s) => s.instruction === first.withdrawalInstructionId)[1] as Send;
    expect(again.at).to.be.at.least(refusedLater.done + SETTLE);
  });

  it("many outputs landed unanswered, read in one call with the request: a create landing between that answer and the count read after it is read again at its delay, then the lost row is sent once", async () => {
    const SETTLE = 1_500;
    const { rows } = await tenRows();
    const lost = rows[0] as ValidRow;
    const early = rows.slice(1, 5);
    const later = rows[8] as ValidRow;
    const at = scene();
    const included: string[] = [];
    const held = new Map<string, CreateArgs>();
    let landedAt = -1;
    const delayPassed = () => {
      const first = at.sends.find((s) => s.refused);
      return first !== undefined && at.elapsed() >= first.done + SETTLE;
    };
    const land = async (row: ValidRow) => {
      const args = held.get(row.withdrawalInstructionId);
      held.delete(row.withdrawalInstructionId);
      if (args) await client.createOutput(args);
    };
    const wrapped = api(
      at,
      (args) => {
        const id = args.withdrawalInstructionId;
        const row = rows.find((r) => r.withdrawalInstructionId === id) as ValidRow;
        const first = !at.sends.some((s) => s.refused && s.instruction === id);
        if (row === lost && first) return "refuse"; // never reaches the server
        if ((early.includes(row) || row === later) && first) {
          held.set(id, args); // reaches the server later, when the test says
          return "refuse";
        }
        return "pass";
      },
      {
        included,
        // Four land right before the first reading after the lost row's delay: four outputs
        // it cannot account for, read with the request in one call...
        beforeRead: async () => {
          if (delayPassed()) for (const row of early) await land(row);
        },
        // ...and the later row's lands after that answer, before the request's count is read.
        afterList: async () => {
          if (landedAt >= 0 || !delayPassed() || held.size !== 1) return;
          await land(later);
          landedAt = at.elapsed();
        },
      },
    );
    const { result, journal } = await run(rows, wrapped, SETTLE, at);

    expect(result.stopped).to.equal(null);
    expect(perInstruction(box)).to.deep.equal(rows.map((row) => [row.withdrawalInstructionId, 1]).sort());
    for (const row of [...early, later]) {
      expect(createdVia(journal, row.line), `line ${row.line}`).to.deep.equal(["reconciled"]);
      expect(intents(journal, row.line), `line ${row.line}`).to.equal(1);
    }
    // Four unknown outputs in a request of ten: reading them one by one would cost more than
    // a listing of 500 a page, so they came with the request, in one call.
    expect(included).to.deep.equal(["1"]);
    expect(landedAt).to.be.above(0);
    // The count read after that answer disagreed with it: the lost row waited for the later
    // row's delay, then was sent again, once.
    expect(createdVia(journal, lost.line)).to.deep.equal(["response"]);
    expect(intents(journal, lost.line)).to.equal(2);
    const refusedLater = at.sends.find(
      (s) => s.refused && s.instruction === later.withdrawalInstructionId,
    ) as Send;
    const again = at.sends.filter((s) => s.instruction === lost.withdrawalInstructionId)[1] as Send;
    expect(again.at).to.be.at.least(refusedLater.done + SETTLE);
  });

  it("another writer's output in that window: the next reading names it (exit 4) and the unclear row is not sent again", async () => {
    const SETTLE = 1_500;
    const { rows, others } = await tenRows();
    const first = rows[0] as ValidRow;
    const later = rows[8] as ValidRow;
    const stranger = others[0] as ValidRow;
    const at = scene();
    let foreign = "";
    const wrapped = api(
      at,
      (args, nth) =>
        args.withdrawalInstructionId === first.withdrawalInstructionId ||
        (args.withdrawalInstructionId === later.withdrawalInstructionId && nth < 10)
          ? "refuse"
          : "pass",
      {
        afterList: async () => {
          const refusedFirst = at.sends.find((s) => s.refused);
          if (foreign || !refusedFirst || at.elapsed() < refusedFirst.done + SETTLE) return;
          const requestId = box.state().requests[0]?.id as string;
          // Another run's create, into this batch's request, of a payment no row of it makes.
          foreign = (
            await client.createOutput({
              requestId,
              portCode: stranger.port,
              amount: stranger.amount ?? undefined,
              recipientUserId: stranger.recipientUserId,
              withdrawalInstructionId: stranger.withdrawalInstructionId,
            })
          ).id;
        },
      },
      true,
    );
    const { result, journal } = await run(rows, wrapped, SETTLE, at);

    expect(result.stopped?.code).to.equal("concurrent_writer");
    expect(exitCodeFor(result.stopped)).to.equal(4);
    expect(result.stopped?.message).to.include(`(${foreign})`);
    // Nothing was paid twice; the two unclear rows were sent once each and are pending.
    expect(perInstruction(box)).to.deep.equal(
      [
        ...rows
          .filter((row) => row !== first && row !== later)
          .map((row) => [row.withdrawalInstructionId, 1]),
        [stranger.withdrawalInstructionId, 1],
      ].sort(),
    );
    expect([intents(journal, first.line), intents(journal, later.line)]).to.deep.equal([1, 1]);
    expect([result.outcomes.get(first.line)?.status, result.outcomes.get(later.line)?.status]).to.deep.equal([
      "pending",
      "pending",
    ]);
  });

  it("identical rows: the later one's create lands after the first was sent again, within its own delay; one output each", async () => {
    const SETTLE = 1_500;
    const { rows: distinct } = await tenRows();
    const first = distinct[0] as ValidRow;
    // The ninth row pays the first row's payee the same amount (--allow-duplicates).
    const rows = distinct.map((row, i) =>
      i === 8 ? { ...first, line: row.line, reference: "EMP-again" } : row,
    );
    const twin = rows[8] as ValidRow;
    const at = scene();
    let held: CreateArgs | null = null;
    let landedAt = -1;
    const wrapped = api(at, (args, nth) => {
      if (nth === 0) return "refuse"; // the first row: never reaches the server
      if (nth === 8) {
        held = args; // the twin: lands once the first row's second create has returned
        return "refuse";
      }
      if (nth === 10 && held) {
        const landing = held;
        setTimeout(() => {
          void client.createOutput(landing).then(() => {
            landedAt = at.elapsed();
          });
        }, 30);
      }
      return "pass";
    });
    const { result, journal } = await run(rows, wrapped, SETTLE, at);

    expect(result.stopped).to.equal(null);
    expect(perInstruction(box)).to.deep.equal(
      distinct
        .filter((_, i) => i !== 8)
        .map((row) => [row.withdrawalInstructionId, row === first ? 2 : 1] as [string, number])
        .sort(),
    );
    const refusedTwin = at.sends[8] as Send;
    const firstAgain = at.sends[10] as Send;
    expect(firstAgain.instruction).to.equal(first.withdrawalInstructionId);
    expect(landedAt).to.be.above(firstAgain.done);
    expect(landedAt).to.be.below(refusedTwin.done + SETTLE);
    expect(createdVia(journal, first.line)).to.deep.equal(["response"]);
    expect(createdVia(journal, twin.line)).to.deep.equal(["reconciled"]);
    expect([intents(journal, first.line), intents(journal, twin.line)]).to.deep.equal([2, 1]);
  });

  it("a row refused twice is sent a third time after each delay; a row refused at every send stops the run after maxRounds sends", async () => {
    const SETTLE = 400;
    const { rows } = await tenRows();
    const twice = rows[0] as ValidRow;
    const always = rows[8] as ValidRow;
    const at = scene();
    const sendsOf = (row: ValidRow) => at.sends.filter((s) => s.instruction === row.withdrawalInstructionId);
    const wrapped = api(at, (args) => {
      if (args.withdrawalInstructionId === always.withdrawalInstructionId) return "refuse";
      if (args.withdrawalInstructionId === twice.withdrawalInstructionId && sendsOf(twice).length <= 2)
        return "refuse";
      return "pass";
    });
    const { result, journal } = await run(rows, wrapped, SETTLE, at, 3);

    expect(result.stopped?.message).to.match(/some creates still had no clear outcome after 3 rounds/);
    expect(exitCodeFor(result.stopped)).to.equal(3);
    expect(perInstruction(box)).to.deep.equal(
      rows
        .filter((row) => row !== always)
        .map((row) => [row.withdrawalInstructionId, 1] as [string, number])
        .sort(),
    );
    expect(result.outcomes.get(always.line)?.status).to.equal("pending");
    expect(result.outcomes.get(twice.line)?.status).to.equal("created");
    expect([intents(journal, twice.line), intents(journal, always.line)]).to.deep.equal([3, 3]);
    // Each send after a refusal waited out that refusal's delay.
    for (const sends of [sendsOf(twice), sendsOf(always)]) {
      for (let i = 1; i < sends.length; i++)
        expect((sends[i] as Send).at).to.be.at.least((sends[i - 1] as Send).done + SETTLE);
    }
  });
});
