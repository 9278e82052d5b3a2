import { mkdtemp, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { JournalWriter } from "../src/batch/journal.js";
import { DiskError, diskFailure, isDiskFailure, makeDirectories, replaceDurably } from "../src/disk.js";
import { exitCodeFor } from "../src/errors.js";

const fsError = (code: string, path?: string) =>
  Object.assign(new Error(`${code}: failed`), { code, syscall: "write", ...(path ? { path } : {}) });

describe("disk failures: named with the path, exit 2 before anything was sent, 3 after", () => {
  const table: [string, string][] = [
    ["ENOSPC", "the disk is full"],
    ["EFBIG", "the file would exceed the file size limit of this process (ulimit -f)"],
    ["EACCES", "no permission to write there"],
    ["EROFS", "the file system is read-only"],
    ["ENOTDIR", "a part of the path is a regular file, not a directory"],
    ["EEXIST", "a file of that name is in the way (not a directory)"],
  ];
  for (const [code, why] of table) {
    it(`${code}: names the path and says why; exit 2 before anything was sent, 3 after`, () => {
      const options = { action: "use the state directory", path: "/s", hint: "run again" };
      const before = diskFailure(fsError(code, "/s/b/lock"), { ...options, sentAny: false });
      expect(before.message).to.equal(`cannot use the state directory /s: ${why} (${code} on /s/b/lock)`);
      expect([before.code, exitCodeFor(before)]).to.deep.equal(["not_writable", 2]);
      expect(before.hint).to.match(/^nothing was sent/);
      const after = diskFailure(fsError(code), { ...options, sentAny: true });
      expect(after.message).to.equal(`cannot use the state directory /s: ${why} (${code})`);
      expect([after.code, exitCodeFor(after), after.hint]).to.deep.equal(["write_failed", 3, "run again"]);
    });
  }

  it("a failed rename is named by its target, not by the temp file it came from", () => {
    const rename = (dest: string) =>
      Object.assign(new Error("EISDIR"), {
        code: "EISDIR",
        syscall: "rename",
        path: "/d/.r.csv.1.tmp",
        dest,
      });
    const options = { action: "write the report", sentAny: true, hint: "h" };
    expect(diskFailure(rename("/d/r.csv"), { ...options, path: "/d/r.csv" }).message).to.equal(
      "cannot write the report /d/r.csv: a directory is in the way (a file was expected) (EISDIR)",
    );
    expect(diskFailure(rename(join(process.cwd(), "r.csv")), { ...options, path: "r.csv" }).message).to.equal(
      "cannot write the report r.csv: a directory is in the way (a file was expected) (EISDIR)",
    );
  });

  it("a DiskError keeps its own action and path", () => {
    const error = new DiskError("write the journal", "/s/b/journal.jsonl", fsError("ENOSPC"));
    expect(error.message).to.equal("cannot write the journal /s/b/journal.jsonl: the disk is full (ENOSPC)");
    const failure = diskFailure(error, { action: "x", path: "/other", sentAny: true, hint: "h" });
    expect(failure.message).to.equal(error.message);
    expect(isDiskFailure(error)).to.equal(true);
  });

  it("tells an operating-system failure of a file from anything else", () => {
    expect(isDiskFailure(fsError("ENOSPC"))).to.equal(true);
    expect(isDiskFailure(Object.assign(new Error("x"), { code: "ECONNRESET" }))).to.equal(false);
    expect(isDiskFailure(new Error("plain"))).to.equal(false);
    expect(isDiskFailure("ENOSPC")).to.equal(false);
  });

  it("the journal on a full disk (/dev/full) fails with a DiskError naming it, ENOSPC", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "bb-full-")), "journal.jsonl");
    await symlink("/dev/full", path);
    const journal = await JournalWriter.open(path);
    try {
      const error = await journal
        .append({ t: "end", outcome: "finished", at: "2026-11-29T00:00:00Z" })
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(DiskError);
      expect((error as DiskError).message).to.equal(
        `cannot write the journal ${path}: the disk is full (ENOSPC)`,
      );
    } finally {
      await journal.close();
    }
  });
});

describe("replaceDurably", () => {
  it("removes the temporary file a killed run left beside the file (released.json holds row lines), not a live run's (helper-87)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bb-replace-"));
    const path = join(dir, "released.json");
    const dead = `.released.json.99999999.${"a".repeat(12)}.tmp`;
    const live = `.released.json.${process.pid}.${"b".repeat(12)}.tmp`;
    for (const name of [dead, live]) await writeFile(join(dir, name), "{}");
    await replaceDurably(path, '{"lines":[2]}');
    expect((await readdir(dir)).sort()).to.deep.equal([live, "released.json"].sort());
    expect(await readFile(path, "utf8")).to.equal('{"lines":[2]}');
  });
});

describe("makeDirectories (mkdir -p)", () => {
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => "made",
      (error: NodeJS.ErrnoException) => error.code,
    );

  it("makes each missing folder owner-only, and leaves one that exists as it is", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bb-dirs-"));
    await makeDirectories(join(dir, "a", "b", "c"));
    for (const path of ["a", "a/b", "a/b/c"])
      expect(((await stat(join(dir, path))).mode & 0o777).toString(8), path).to.equal("700");
    expect(await codeOf(makeDirectories(join(dir, "a", "b")))).to.equal("made");
  });

  it("fails as mkdir does where a part of the path is a file (ENOTDIR) or the path is one (EEXIST)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bb-dirs-"));
    await writeFile(join(dir, "file"), "x");
    expect(await codeOf(makeDirectories(join(dir, "file", "state")))).to.equal("ENOTDIR");
    expect(await codeOf(makeDirectories(join(dir, "file")))).to.equal("EEXIST");
  });

  it("answers for a path under /proc (Linux), where Node's recursive mkdir never returns", async () => {
    expect(await codeOf(makeDirectories("/proc/bitex-batch-test/state"))).to.equal("ENOENT");
  });
});
