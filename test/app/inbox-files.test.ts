/**
 * The drop folder's files: what is offered to submit (by content: a workbook by its bytes,
 * whatever its name), what is the tool's own or not a payroll, and moves that never replace
 * a file already there.
 */

import { renameSync } from "node:fs";
import {
  link,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  unlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import {
  freeFolder,
  heldPath,
  kindOf,
  letGo,
  MoveBlocked,
  moveNoReplace,
  scanFolder,
  settled,
  unchangedSince,
} from "../../src/app/inbox-files.js";
import { readGuard } from "../../src/app/inbox-guard.js";
import { otherFileSystemDir, tempDir } from "../helpers/cli.js";
import { replaceFs } from "../helpers/fs-fault.js";

/** The message a promise is rejected with ("" if it is fulfilled). */
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => "",
    (error: Error) => error.message,
  );

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]);
const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x00]);

describe("inbox files", () => {
  it("kinds by content: a zip is a workbook, OLE an old .xls, text a CSV (UTF-16 too), other binary not a payroll", () => {
    expect(kindOf(ZIP)).to.equal("xlsx");
    expect(kindOf(OLE)).to.equal("xls");
    expect(kindOf(Buffer.from("reference,amount\n"))).to.equal("csv");
    expect(kindOf(Buffer.from("\ufeffreference", "utf16le").subarray(0))).to.equal("csv");
    expect(kindOf(Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0x01]))).to.equal("binary");
  });

  it("UTF-16 text without a byte order mark is offered to submit (which says how to read it), and with --encoding utf16le NULs are text; other binary is not (helper-83)", () => {
    const text = "reference,amount\n1,100\n";
    expect(kindOf(Buffer.from(text, "utf16le"))).to.equal("csv");
    expect(kindOf(Buffer.from(text, "utf16le").swap16())).to.equal("csv");
    expect(kindOf(Buffer.from([0x01, 0x00, 0x00, 0x07, 0x41, 0x00, 0x00, 0x42]))).to.equal("binary");
    expect(kindOf(Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0x01]), "utf16le")).to.equal("csv");
    expect(kindOf(Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0x01]), "utf8")).to.equal("binary");
  });

  it("offers payrolls by content under a payroll's ending; skips dotfiles, folders, the guard file and its own outputs", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "nomina.xlsx"), ZIP);
    await writeFile(join(dir, "hr-export.csv"), ZIP); // a workbook under another ending: by content
    await writeFile(join(dir, "payroll.csv"), "reference,amount\n");
    await writeFile(join(dir, "old.xls"), OLE);
    await writeFile(join(dir, "scan.txt"), Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00]));
    for (const ours of [
      "payroll.report.csv",
      "payroll.validation.csv",
      "payroll.remaining.csv",
      "nomina.report.xlsx",
      "payroll.csv.error.txt",
      "max-total.txt",
      ".hidden.csv",
      ".~lock.payroll.csv#",
    ])
      await writeFile(join(dir, ours), "x\n");
    await mkdir(join(dir, "done"));
    await mkdir(join(dir, "sub.csv"));
    const { offered, ignored } = await scanFolder(dir);
    expect(offered).to.deep.equal([
      { name: "hr-export.csv", kind: "xlsx" },
      { name: "nomina.xlsx", kind: "xlsx" },
      { name: "old.xls", kind: "xls" },
      { name: "payroll.csv", kind: "csv" },
    ]);
    expect(ignored).to.deep.equal([{ name: "scan.txt", kind: "binary" }]);
  });

  it("lists a backup, an Office temporary and a conflicted copy as ignored, whatever they hold: an older version of the rows, paid beside the file (helper-112)", async () => {
    const dir = await tempDir();
    const rows = "reference,port,amount\n";
    await writeFile(join(dir, "payroll.csv"), rows);
    const others = [
      "#payroll.csv#",
      "7E4C2000",
      "Backup of payroll.xlk",
      "export-from-hr",
      "payroll (Ana's conflicted copy 2026-12-08).csv",
      "payroll (Case Conflict).csv",
      "payroll (SFConflict ana@example.com 2026-12-08-10-30-00).csv",
      "payroll-DESKTOP-7F3K2LQ.csv",
      "payroll-LAPTOP-5N08LR59.csv",
      "payroll.csv.bak",
      "payroll.csv.orig",
      "payroll.csv~",
      "payroll.sync-conflict-20261208-101010-ABCDEFG.csv",
      "payroll.xlsx.sb-41d5a2a1-Jd8bPZ",
    ];
    for (const name of others) await writeFile(join(dir, name), rows);
    await mkdir(join(dir, "archive"));
    // A profit centre's or a machine's name written otherwise is a payroll's name.
    for (const name of ["payroll-PC-1234.csv", "payroll-desktop-7f3k2lq.csv"])
      await writeFile(join(dir, name), rows);
    const { offered, ignored } = await scanFolder(dir);
    expect(offered).to.deep.equal([
      { name: "payroll-PC-1234.csv", kind: "csv" },
      { name: "payroll-desktop-7f3k2lq.csv", kind: "csv" },
      { name: "payroll.csv", kind: "csv" },
    ]);
    // Each reads as a payroll (the run says so and exits 2); an empty one does not.
    expect(ignored).to.deep.equal(
      [...others].sort().map((name) => ({ name, kind: "other", readsAsPayroll: true })),
    );
    // An empty file, a desktop's folder settings, a note without a delimiter: not a payroll's reading.
    await writeFile(join(dir, "notes.md"), "");
    await writeFile(join(dir, "desktop.ini"), "[.ShellClassInfo]\r\nIconResource=x,0\r\n");
    await writeFile(join(dir, "README"), "drop the payrolls here\n");
    // A title with a comma, a Word document, an Outlook message: no payroll's reading (helper-116).
    await writeFile(join(dir, "README.md"), "# Drop folder for payroll, read me first\n");
    await writeFile(join(dir, "Instrucciones.docx"), Buffer.concat([ZIP, Buffer.from("word/document.xml")]));
    await writeFile(join(dir, "Nomina.msg"), OLE);
    const plain = (await scanFolder(dir)).ignored
      .filter((file) => !file.readsAsPayroll)
      .map((file) => file.name);
    expect(plain).to.deep.equal([
      "Instrucciones.docx",
      "Nomina.msg",
      "README",
      "README.md",
      "desktop.ini",
      "notes.md",
    ]);
  });

  it("an output of no file in the folder (a remaining file dropped as it is) is listed as ignored; one beside its file is not", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "payroll.csv"), "reference,amount\n");
    for (const name of [
      "payroll.report.csv",
      "payroll.127.0.0.1-8080.report.csv",
      "payroll.remaining.csv",
      "payroll.csv.error.txt",
      "b.remaining.csv",
      "c.report.xlsx",
    ])
      await writeFile(join(dir, name), "reference,amount\n");
    const { offered, ignored } = await scanFolder(dir);
    expect(offered).to.deep.equal([{ name: "payroll.csv", kind: "csv" }]);
    expect(ignored).to.deep.equal([
      { name: "b.remaining.csv", kind: "ours" },
      { name: "c.report.xlsx", kind: "ours" },
    ]);
  });

  it("a file named as one still being written (an upload's .part, a download's .crdownload, an editor's temporary) is not taken, and is listed (helper-83)", async () => {
    const dir = await tempDir();
    const rows = "reference,payer_user_id\nA,112\n";
    for (const name of [
      "payroll.csv.part",
      "payroll.csv.PARTIAL",
      "payroll.csv.crdownload",
      "payroll.csv.filepart",
      "payroll.csv.tmp",
      "~$nomina.xlsx",
      "payroll.csv",
    ])
      await writeFile(join(dir, name), rows);
    const { offered, ignored } = await scanFolder(dir);
    expect(offered).to.deep.equal([{ name: "payroll.csv", kind: "csv" }]);
    expect(ignored.map((file) => `${file.name}: ${file.kind}`)).to.deep.equal([
      "payroll.csv.PARTIAL: partial",
      "payroll.csv.crdownload: partial",
      "payroll.csv.filepart: partial",
      "payroll.csv.part: partial",
      "payroll.csv.tmp: partial",
      "~$nomina.xlsx: partial",
    ]);
  });

  it("a symbolic link to a payroll is not taken (its target may change), and is listed as ignored, not skipped unsaid", async () => {
    const dir = await tempDir();
    const elsewhere = await tempDir();
    await writeFile(join(elsewhere, "payroll.csv"), "reference,amount\n");
    await symlink(join(elsewhere, "payroll.csv"), join(dir, "payroll.csv"));
    const { offered, ignored } = await scanFolder(dir);
    expect(offered).to.deep.equal([]);
    expect(ignored).to.deep.equal([{ name: "payroll.csv", kind: "link" }]);
  });

  it("a file younger than the settle time, or changing during the pause, is not ready", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "old.csv"), "a\n");
    await writeFile(join(dir, "growing.csv"), "a\n");
    const later = Date.now() + 10_000;
    const timer = setTimeout(() => void writeFile(join(dir, "growing.csv"), "a\nb\n"), 50);
    try {
      // Everything is 10 s old by this clock, so only the growing file is held back.
      const { ready, writing } = await settled(dir, ["growing.csv", "old.csv"], 5_000, 300, () => later);
      expect({ ready, writing }).to.deep.equal({ ready: ["old.csv"], writing: ["growing.csv"] });
    } finally {
      clearTimeout(timer);
    }
    const young = await settled(dir, ["old.csv"], 60_000, 0);
    expect({ ready: young.ready, writing: young.writing }).to.deep.equal({ ready: [], writing: ["old.csv"] });
  });

  it("a file dated ahead of this machine's clock is not ready, and says by how much: not 'changed recently' for ever (helper-112)", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "future.csv"), "a\n");
    await writeFile(join(dir, "young.csv"), "a\n");
    const inTwoHours = new Date(Date.now() + 2 * 3600_000);
    await utimes(join(dir, "future.csv"), inTwoHours, inTwoHours);
    const { ready, writing, ahead } = await settled(dir, ["future.csv", "young.csv"], 60_000, 0);
    expect({ ready, writing }).to.deep.equal({ ready: [], writing: ["future.csv", "young.csv"] });
    expect([...ahead.keys()]).to.deep.equal(["future.csv"]);
    expect(ahead.get("future.csv")).to.be.within(2 * 3600_000 - 60_000, 2 * 3600_000);
  });

  it("a ready file is unchanged at its turn while its size and mtime are as its settle look saw them; written again since, it is not", async () => {
    const dir = await tempDir();
    const path = join(dir, "a.csv");
    await writeFile(path, "a\nb\n");
    const { ready, looks } = await settled(dir, ["a.csv"], 0, 0);
    expect(ready).to.deep.equal(["a.csv"]);
    expect(await unchangedSince(path, looks.get("a.csv"))).to.equal(true);
    await writeFile(path, "a\n");
    expect(await unchangedSince(path, looks.get("a.csv"))).to.equal(false);
    // Gone: its turn says so itself (nothing to take).
    await unlink(path);
    expect(await unchangedSince(path, looks.get("a.csv"))).to.equal(true);
  });

  it("moves never replace a file already there, and a move redone after a kill only finishes it", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "a.csv"), "new\n");
    await writeFile(join(dir, "b.csv"), "old\n");
    expect(await rejection(moveNoReplace(join(dir, "a.csv"), join(dir, "b.csv")))).to.match(/exists already/);
    expect(await readFile(join(dir, "b.csv"), "utf8")).to.equal("old\n");
    expect(await readFile(join(dir, "a.csv"), "utf8")).to.equal("new\n");
    // Killed after the link, before the unlink: the same move again unlinks only.
    await link(join(dir, "a.csv"), join(dir, "c.csv"));
    expect(await moveNoReplace(join(dir, "a.csv"), join(dir, "c.csv"))).to.equal("moved");
    expect(await moveNoReplace(join(dir, "a.csv"), join(dir, "c.csv"))).to.equal("gone");
    expect(await readFile(join(dir, "c.csv"), "utf8")).to.equal("new\n");
  });

  it("the file moved is asked for after its link: one renamed over it is not moved (its link removed, the file kept); redone after a kill between link and check, the same (helper-83)", async () => {
    const dir = await tempDir();
    const ours = async (path: string) => (await readFile(path, "utf8")) === "paid\n";
    await writeFile(join(dir, "a.csv"), "next\n");
    expect(await moveNoReplace(join(dir, "a.csv"), join(dir, "c.csv"), { ours })).to.equal("other");
    expect(await readdir(dir)).to.deep.equal(["a.csv"]);
    await link(join(dir, "a.csv"), join(dir, "c.csv"));
    expect(await moveNoReplace(join(dir, "a.csv"), join(dir, "c.csv"), { ours })).to.equal("other");
    expect(await readdir(dir)).to.deep.equal(["a.csv"]);
    expect(await readFile(join(dir, "a.csv"), "utf8")).to.equal("next\n");
    await writeFile(join(dir, "a.csv"), "paid\n");
    expect(await moveNoReplace(join(dir, "a.csv"), join(dir, "c.csv"), { ours })).to.equal("moved");
    expect(await readdir(dir)).to.deep.equal(["c.csv"]);
  });

  it("killed after the move's link, then another file renamed over the payroll: the move is done, that file stays (helper-87)", async () => {
    const dir = await tempDir();
    const ours = async (path: string) => (await readFile(path, "utf8")) === "paid\n";
    await writeFile(join(dir, "a.csv"), "paid\n");
    await link(join(dir, "a.csv"), join(dir, "c.csv"));
    await writeFile(join(dir, "b.csv"), "next\n");
    await rename(join(dir, "b.csv"), join(dir, "a.csv"));
    expect(await moveNoReplace(join(dir, "a.csv"), join(dir, "c.csv"), { ours })).to.equal("moved");
    expect(await readFile(join(dir, "a.csv"), "utf8")).to.equal("next\n");
    expect(await readFile(join(dir, "c.csv"), "utf8")).to.equal("paid\n");
  });

  it("a file renamed over the payroll just before the move lets it go is put back, never deleted (helper-87)", async () => {
    const dir = await tempDir();
    const ours = async (path: string) => (await readFile(path, "utf8")) === "paid\n";
    const from = join(dir, "a.csv");
    const held = heldPath(dir, "m1");
    await writeFile(from, "paid\n");
    await writeFile(join(dir, "b.csv"), "next\n");
    // The next payroll, renamed over a.csv at the instant the move lets a.csv go (whichever call that is).
    const over = () => renameSync(join(dir, "b.csv"), from);
    const hooks = [
      replaceFs("rename", (real) => async (a, b) => {
        if (a === from && b === held) over();
        return real(a, b);
      }),
      replaceFs("unlink", (real) => async (path) => {
        if (path === from) over();
        return real(path);
      }),
    ];
    try {
      expect(await moveNoReplace(from, join(dir, "c.csv"), { ours, held })).to.equal("moved");
    } finally {
      for (const hook of hooks) hook.restore();
    }
    expect(await readdir(dir)).to.deep.equal(["a.csv", "c.csv"]);
    expect(await readFile(from, "utf8")).to.equal("next\n");
    expect(await readFile(join(dir, "c.csv"), "utf8")).to.equal("paid\n");
  });

  it("a payroll a killed move held: removed when it is the moved file, else put back, beside a file come there since (helper-87)", async () => {
    const dir = await tempDir();
    const [from, to, held] = [join(dir, "a.csv"), join(dir, "c.csv"), heldPath(dir, "m1")];
    await writeFile(to, "paid\n");
    await link(to, held);
    await letGo(held, from, to);
    expect(await readdir(dir)).to.deep.equal(["c.csv"]);
    await writeFile(held, "next\n");
    await letGo(held, from, to);
    expect(await readdir(dir)).to.deep.equal(["a.csv", "c.csv"]);
    await writeFile(held, "third\n");
    await letGo(held, from, to);
    const names = await readdir(dir);
    expect(names.filter((name) => /^a \([0-9a-f]{8}\)\.csv$/.test(name))).to.have.length(1);
    expect(names).to.have.length(3);
  });

  it("a group goes to base, else base/<batch id>, else base/<batch id>-2, keeping every name", async () => {
    const dir = await tempDir();
    expect(await freeFolder(dir, "done/2026-12-05", "abc", ["p.csv"])).to.equal("done/2026-12-05");
    await mkdir(join(dir, "done/2026-12-05/abc"), { recursive: true });
    await writeFile(join(dir, "done/2026-12-05/p.report.csv"), "");
    expect(await freeFolder(dir, "done/2026-12-05", "abc", ["p.report.csv", "p.csv"])).to.equal(
      "done/2026-12-05/abc",
    );
    await writeFile(join(dir, "done/2026-12-05/abc/p.csv"), "");
    expect(await freeFolder(dir, "done/2026-12-05", "abc", ["p.report.csv", "p.csv"])).to.equal(
      "done/2026-12-05/abc-2",
    );
  });

  it("the guard file: one CUR=AMOUNT a line, comments and blanks ignored; a bad line or --max-total as well is exit 2", async () => {
    const dir = await tempDir();
    expect(await readGuard(dir, ["ARS=1"])).to.deep.equal(["ARS=1"]);
    expect(await readGuard(dir, undefined)).to.equal(undefined);
    await writeFile(join(dir, "max-total.txt"), "# December\nARS=25000000\n\n  USD=1200.50  # dollars\n");
    expect(await readGuard(dir, undefined)).to.deep.equal(["ARS=25000000", "USD=1200.50"]);
    expect(await rejection(readGuard(dir, ["ARS=1"]))).to.match(
      /--max-total is given and .*max-total\.txt exists/,
    );
    await writeFile(join(dir, "max-total.txt"), "ARS=25000000\nlots\n");
    expect(await rejection(readGuard(dir, undefined))).to.match(
      /max-total\.txt:2: "lots" is not CUR=AMOUNT$/,
    );
  });

  it("a move onto another file system (EXDEV) copies, then unlinks; redone after a kill between the two it only unlinks; another file there is never replaced", async () => {
    const dir = await tempDir();
    const other = await otherFileSystemDir("bb-files-");
    try {
      await writeFile(join(dir, "a.csv"), "one\n");
      expect(await moveNoReplace(join(dir, "a.csv"), join(other, "a.csv"))).to.equal("moved");
      expect(await readFile(join(other, "a.csv"), "utf8")).to.equal("one\n");
      expect(await readdir(dir)).to.deep.equal([]);
      expect(await readdir(other)).to.deep.equal(["a.csv"]);
      // Killed after the copy got its name, before the unlink: the same bytes are still here.
      await writeFile(join(dir, "a.csv"), "one\n");
      expect(await moveNoReplace(join(dir, "a.csv"), join(other, "a.csv"))).to.equal("moved");
      expect(await readdir(dir)).to.deep.equal([]);
      // Other bytes at the target: another file, kept; the move cannot finish.
      await writeFile(join(dir, "a.csv"), "two\n");
      const refused = await moveNoReplace(join(dir, "a.csv"), join(other, "a.csv")).catch(
        (error: unknown) => error,
      );
      expect(refused).to.be.instanceOf(MoveBlocked);
      expect(await readFile(join(other, "a.csv"), "utf8")).to.equal("one\n");
      expect(await readFile(join(dir, "a.csv"), "utf8")).to.equal("two\n");
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
