/**
 * Reading a workbook in a test as every command reads it (validate/file.ts): the workbooks
 * made by exceljs (make-workbooks.ts) or written by hand, part by part, as other writers do.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { BatchError } from "../../src/errors.js";
import type { CheckedRow } from "../../src/model.js";
import { checkFile } from "../../src/validate/file.js";
import { tempDir } from "../helpers/cli.js";
import { type FixtureCell, workbookBytes } from "./make-workbooks.js";

export const HEADER = [
  "reference",
  "payer_user_id",
  "sender_port",
  "recipient_user_id",
  "port",
  "amount",
  "budget",
  "withdrawal_instruction_id",
];

/** A valid demo row paying `amount` CLP (or any cell given). */
export function row(reference: string, amount: FixtureCell, recipient: FixtureCell = "300"): FixtureCell[] {
  return [reference, "112", "ar_ars", recipient, "cl_clp", amount, null, "2100"];
}

/** A valid demo row paying `amount` USD (two decimals allowed). */
export function usdRow(reference: string, amount: FixtureCell): FixtureCell[] {
  return [reference, "113", "uy_uyu", "304", "us_usd", amount, null, "2104"];
}

export interface Read {
  rows: CheckedRow[];
  notices: string[];
}

export interface ReadOptions {
  sheet?: string;
  encoding?: "auto" | "utf8";
  decimalSeparator?: ",";
  senderPort?: string;
  reorder?: (bytes: Buffer) => Promise<Buffer>;
}

export async function read(
  sheets: Parameters<typeof workbookBytes>[0],
  options: ReadOptions = {},
): Promise<Read> {
  return readBytes(await workbookBytes(sheets), options);
}

export async function readBytes(bytes: Buffer, options: ReadOptions = {}): Promise<Read> {
  const path = join(await tempDir(), "payroll.xlsx");
  await writeFile(path, options.reorder ? await options.reorder(bytes) : bytes);
  const notices: string[] = [];
  const file = await checkFile(path, {
    encoding: options.encoding ?? "auto",
    keepColumns: false,
    ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
    validate: {
      ...(options.decimalSeparator ? { decimalSeparator: options.decimalSeparator } : {}),
      ...(options.senderPort ? { senderPort: options.senderPort } : {}),
    },
    onHeader: (header) => {
      notices.push(...header.notices);
    },
    onNotice: (notice) => notices.push(notice),
  });
  if (!file.checked) throw new Error("checkFile kept no rows");
  return { rows: [...file.checked()], notices };
}

export async function refusal(
  sheets: Parameters<typeof workbookBytes>[0],
  options: ReadOptions = {},
): Promise<BatchError> {
  try {
    await read(sheets, options);
  } catch (error) {
    expect(error).to.be.instanceOf(BatchError);
    return error as BatchError;
  }
  throw new Error("expected the workbook to be refused");
}

/** The refusal of a workbook's bytes. */
export async function bytesRefusal(bytes: Buffer, options: ReadOptions = {}): Promise<BatchError> {
  try {
    await readBytes(bytes, options);
  } catch (error) {
    expect(error).to.be.instanceOf(BatchError);
    return error as BatchError;
  }
  throw new Error("expected the workbook to be refused");
}

/** Each row as [line, "valid" | its error codes]. */
export function outcomes(rows: readonly CheckedRow[]): Array<[number, string]> {
  return rows.map((r) => [r.line, r.ok ? "valid" : r.errors.map((e) => `${e.column}:${e.code}`).join(" ")]);
}

export function errorOf(rows: readonly CheckedRow[], line: number): string {
  const found = rows.find((r) => r.line === line);
  if (!found || found.ok) throw new Error(`line ${line} is not invalid`);
  return found.errors.map((e) => e.message).join(" | ");
}

/** A workbook's parts written by hand, as other writers do, zipped in the order given. */
export async function handMade(parts: Record<string, string>): Promise<Buffer> {
  const { default: JSZip } = await import("jszip");
  const zip = new JSZip();
  for (const [name, xml] of Object.entries(parts)) zip.file(name, xml);
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}

export const MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
export const RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
