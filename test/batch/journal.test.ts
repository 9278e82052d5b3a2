import fs from "node:fs";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  CREATED_KINDS,
  foldJournal,
  foundRequests,
  type JournalEntry,
  JournalWriter,
  kindOf,
  parseJournal,
  readJournal,
} from "../../src/batch/journal.js";

const at = "2026-11-22T00:00:00Z";

describe("journal", () => {
  it("folds entries into the latest known state of each row", () => {
    const state = foldJournal([
      {
        t: "begin",
        v: 1,
        batch_id: "b",
        fingerprint: "f",
        api: "http://127.0.0.1/api",
        file: "x.csv",
        rows: 3,
        at,
      },
      { t: "request", key: "112|ar_ars", external_id: "bb-1", request_id: "7", state: "draft", at },
      { t: "intent", line: 2, request_id: "7", at },
      { t: "created", line: 2, request_id: "7", output_id: "70", state: "accepting", via: "response", at },
      { t: "intent", line: 3, request_id: "7", at },
      { t: "ambiguous", line: 3, code: "api_network", at },
      { t: "intent", line: 4, request_id: "7", at },
      { t: "failed", line: 4, request_id: "7", code: "invalid_instruction", error: "no", at },
    ]);
    expect(state.begin?.fingerprint).to.equal("f");
    expect(state.requests.get("112|ar_ars")).to.deep.equal({
      requestId: "7",
      externalId: "bb-1",
      state: "draft",
    });
    expect(state.rows.get(2)).to.deep.equal({
      status: "created",
      requestId: "7",
      outputId: "70",
      state: "accepting",
      at,
    });
    expect(state.rows.get(3)).to.deep.equal({
      status: "ambiguous",
      requestId: "7",
      code: "api_network",
      at: "2026-11-22T00:00:00Z",
    });
    expect(state.rows.get(4)).to.deep.equal({
      status: "failed",
      requestId: "7",
      code: "invalid_instruction",
      error: "no",
      at,
    });
  });

  it("takes a row's request from its own created line, also when no intent precedes it (a reconciled row)", () => {
    const state = foldJournal([
      { t: "created", line: 5, request_id: "9", output_id: "90", state: "accepting", via: "reconciled", at },
    ]);
    expect(state.rows.get(5)).to.deep.equal({
      status: "created",
      requestId: "9",
      outputId: "90",
      state: "accepting",
      at,
    });
  });

  it("ignores a torn last line left by a killed run", () => {
    const text = '{"t":"intent","line":2,"request_id":"7","at":"x"}\n{"t":"created","line":2,"outp';
    expect(parseJournal(text)).to.deep.equal([{ t: "intent", line: 2, request_id: "7", at: "x" }]);
  });

  it("appends durable lines, owner-only, and starts a fresh line after a torn write", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bb-journal-"));
    const path = join(dir, "batch", "journal.jsonl");
    const first = await JournalWriter.open(path);
    await Promise.all([
      first.append({ t: "intent", line: 2, request_id: "7", at }),
      first.append({ t: "intent", line: 3, request_id: "7", at }),
    ]);
    await first.close();
    await writeFile(path, `${await readFile(path, "utf8")}{"t":"crea`);
    const second = await JournalWriter.open(path);
    await second.append({
      t: "created",
      line: 2,
      request_id: "7",
      output_id: "70",
      state: "accepting",
      via: "response",
      at,
    });
    await second.close();
    const entries = await readJournal(path);
    expect(entries.map((e) => e.t)).to.deep.equal(["intent", "intent", "created"]);
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
  });

  /**
   * Runs `body` with `name` of node:fs replaced by `fake`; journal.ts imports it from node:fs,
   * so it is patched through the CommonJS module and synced to the ES module's bindings.
   */
  async function withFs<K extends "write" | "fdatasync">(
    name: K,
    fake: (original: (typeof fs)[K]) => (typeof fs)[K],
    body: () => Promise<void>,
  ): Promise<void> {
    const original = fs[name];
    fs[name] = fake(original);
    syncBuiltinESMExports();
    try {
      await body();
    } finally {
      fs[name] = original;
      syncBuiltinESMExports();
    }
  }
  const refusal = (append: Promise<void>) =>
    append.then(
      () => "written",
      (error: Error) => error.message,
    );
  const linesIn = async (path: string) => (await readJournal(path)).map((e) => "line" in e && e.line);
  const diskFull = () => Object.assign(new Error("no space left on device"), { code: "ENOSPC" });

  it("makes a journal left readable by others owner-only again when it opens it (helper-90)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bb-journal-"));
    const path = join(dir, "journal.jsonl");
    await writeFile(path, "", { mode: 0o644 });
    await fs.promises.chmod(path, 0o644);
    const writer = await JournalWriter.open(path);
    await writer.close();
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
  });

  it("a write that failed part-way: that entry and every later one refused, never glued to the torn part", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "bb-journal-")), "journal.jsonl");
    const writer = await JournalWriter.open(path);
    await writer.append({ t: "intent", line: 2, request_id: "7", at });
    // The next write(2) takes 10 bytes, the one after fails (a disk that filled up); later
    // writes would succeed again.
    let calls = 0;
    await withFs(
      "write",
      (original) =>
        ((
          fd: number,
          buffer: Buffer,
          offset: number,
          length: number,
          position: null,
          callback: (error: Error | null, written: number) => void,
        ) => {
          calls++;
          if (calls === 1) return original(fd, buffer, offset, Math.min(length, 10), position, callback);
          if (calls === 2) return callback(diskFull(), 0);
          return original(fd, buffer, offset, length, position, callback);
        }) as typeof fs.write,
      async () => {
        const torn = await refusal(writer.append({ t: "intent", line: 3, request_id: "7", at }));
        expect(torn).to.match(/^cannot write the journal .*journal.jsonl/);
        expect(await refusal(writer.append({ t: "intent", line: 4, request_id: "7", at }))).to.equal(torn);
        expect(calls).to.equal(2);
      },
    );
    await writer.close();
    expect(await linesIn(path)).to.deep.equal([2]);
    // The next run starts on a fresh line after the torn part.
    const next = await JournalWriter.open(path);
    await next.append({ t: "intent", line: 4, request_id: "7", at });
    await next.close();
    expect(await linesIn(path)).to.deep.equal([2, 4]);
  });

  it("a sync that failed: that entry and every later one refused, though a later sync would succeed", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "bb-journal-")), "journal.jsonl");
    const writer = await JournalWriter.open(path);
    let syncs = 0;
    await withFs(
      "fdatasync",
      (original) =>
        ((fd: number, callback: (error: Error | null) => void) => {
          syncs++;
          if (syncs === 1) return callback(diskFull());
          return original(fd, callback);
        }) as typeof fs.fdatasync,
      async () => {
        const failed = await refusal(writer.append({ t: "intent", line: 2, request_id: "7", at }));
        expect(failed).to.match(/^cannot write the journal .*journal.jsonl/);
        expect(await refusal(writer.append({ t: "intent", line: 3, request_id: "7", at }))).to.equal(failed);
        expect(syncs).to.equal(1);
      },
    );
    await writer.close();
  });

  it("reads a missing journal as empty", async () => {
    expect(await readJournal(join(tmpdir(), "does-not-exist", "journal.jsonl"))).to.deep.equal([]);
  });
});

describe("journal: kinds of created thing", () => {
  const at = "2026-11-22T10:15:00.000Z";
  const today: JournalEntry[] = [
    { t: "request", key: "112|ar_ars", external_id: "bb-1", request_id: "7", state: "draft", at },
    { t: "intent", line: 2, request_id: "7", reference: "EMP-1", at },
    { t: "created", line: 2, request_id: "7", output_id: "70", state: "accepting", via: "response", at },
    { t: "intent", line: 3, request_id: "7", at },
  ];

  it("an entry without a kind is an output's, as every journal written so far", () => {
    for (const entry of today)
      if (entry.t === "intent" || entry.t === "created") expect(kindOf(entry)).to.equal("output");
    expect(CREATED_KINDS).to.deep.equal(["output", "user", "withdrawal_instruction"]);
  });

  it("entries of another kind never become a row's output, whatever their line", () => {
    const others: JournalEntry[] = [
      { t: "intent", kind: "user", line: 3, request_id: "", at },
      {
        t: "created",
        kind: "user",
        line: 3,
        request_id: "",
        output_id: "345",
        state: "",
        via: "response",
        at,
      },
      { t: "failed", kind: "withdrawal_instruction", line: 2, request_id: "", code: "x", error: "y", at },
      { t: "ambiguous", kind: "withdrawal_instruction", line: 2, code: "api_timeout", at },
    ];
    const rows = [...foldJournal([...today, ...others]).rows];
    expect(rows).to.deep.equal([...foldJournal(today).rows]);
    expect(rows).to.deep.equal([
      [2, { status: "created", requestId: "7", outputId: "70", state: "accepting", at }],
      [3, { status: "intent", requestId: "7" }],
    ]);
  });
});

describe("journal: creates of users and instructions, by key", () => {
  const at = (second: number) => `2026-11-22T10:15:${String(second).padStart(2, "0")}.000Z`;
  const user = { kind: "user" as const, key: "ana@example.com", line: 2, request_id: "" };
  const account = {
    kind: "withdrawal_instruction" as const,
    key: "ana@example.com|ars||cbu:1",
    line: 2,
    request_id: "",
  };

  it("the last word on each create: intent, then ambiguous, then created; a created one stays created", () => {
    const state = foldJournal([
      { t: "intent", ...user, at: at(1) },
      { t: "ambiguous", ...user, code: "api_server_error", at: at(2) },
      { t: "created", ...user, output_id: "348", state: "not approved", via: "response", at: at(3) },
      { t: "intent", ...user, at: at(4) },
      { t: "intent", ...account, at: at(5) },
      { t: "failed", ...account, code: "api_unprocessable", error: "taken", at: at(6) },
    ]);
    expect([...state.payeeCreates]).to.deep.equal([
      ["user:ana@example.com", { status: "created", id: "348", at: at(3) }],
      ["withdrawal_instruction:ana@example.com|ars||cbu:1", { status: "refused", at: at(6) }],
    ]);
    expect(state.rows.size).to.equal(0);
  });

  it("the last payees line gives every row by details its ids", () => {
    const row = {
      line: 2,
      user_id: "348",
      withdrawal_instruction_id: "2148",
      compliance: "",
      status: "created" as const,
    };
    const state = foldJournal([
      { t: "payees", rows: [{ ...row, user_id: "1" }], at: at(1) },
      { t: "payees", rows: [row], at: at(2) },
    ]);
    expect([...state.payees]).to.deep.equal([[2, row]]);
  });

  it("a request found on the server by its external id is marked found; one the batch made, as every older line, is not", () => {
    const state = foldJournal([
      { t: "request", key: "112|ar_ars", external_id: "bb-1", request_id: "7", state: "draft", at: at(1) },
      {
        t: "request",
        key: "112|us_usd",
        external_id: "bb-2",
        request_id: "9",
        state: "quoted",
        found: true,
        at: at(2),
      },
    ]);
    expect(state.requests.get("112|ar_ars")).to.deep.equal({
      requestId: "7",
      externalId: "bb-1",
      state: "draft",
    });
    expect(foundRequests(state)).to.deep.equal(["9"]);
  });
});
