/**
 * Masking of account numbers and tax ids for the terminal, logs and `--json`: only the last 4
 * characters stay visible, as on a bank statement, and the length shows (it tells a CBU from
 * a CUIT). The whole number stays only in the files the operator owns.
 */
import { compactId } from "./clean.js";

const VISIBLE = 4;

export function maskId(raw: string): string {
  const value = compactId(raw);
  // A number of 4 characters or fewer would be shown whole: hide it all.
  if (value.length <= VISIBLE) return "*".repeat(value.length);
  return "*".repeat(value.length - VISIBLE) + value.slice(-VISIBLE);
}
