/**
 * Masking of account numbers and tax ids for the terminal, logs and `--json`: only the last 4
 * characters stay visible, as on a bank statement, and the length shows (it tells a CBU from
 * a CUIT). The whole number stays only in the files the operator owns.
 */
import { maskTail } from "../../redact.js";
import { compactId } from "./clean.js";

export function maskId(raw: string): string {
  return maskTail(compactId(raw));
}
