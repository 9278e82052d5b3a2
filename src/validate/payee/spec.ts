import type { Failure } from "./problems.js";

export type PayeeIdKind =
  | "cbu"
  | "cvu"
  | "ar_cuit"
  | "clabe"
  | "cl_rut"
  | "br_cpf"
  | "br_cnpj"
  | "pe_ruc"
  | "pe_cci"
  | "co_nit"
  | "uy_rut"
  | "uy_ci"
  | "py_ruc"
  | "us_aba"
  | "iban";

/** One kind of number: its shape, its checks, and how its failures are told to an operator. */
export interface IdSpec {
  kind: PayeeIdKind;
  /** As operators call it: "CBU", "CUIT/CUIL". */
  label: string;
  /** The characters its compact form may hold, whatever its length. */
  characters: RegExp;
  /** "digits", "digits and a final K": what `characters` allows, for messages. */
  charactersText: string;
  /** Allowed lengths of the compact form. */
  lengths: readonly number[];
  /** Numbers that can start with 0, so a numeric cell may have dropped leading zeros. */
  leadingZeros: boolean;
  /** Every check that fails, in order, once the characters and the length are right. */
  failures(value: string): Failure[];
  /** What each failure means for this kind, where the generic sentence is not enough. */
  explain?: Partial<Record<Failure, string>>;
  /** The bank a valid number names, where a table says it. */
  bank?(value: string): string | undefined;
  /** Overrides the length message (IBAN: the length depends on the country). */
  lengthText?(value: string): string;
}

export const DIGITS = /^\d+$/;

/** Σ digit × weight, weights applied from the left. */
export function weightedSum(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[i]) * (weights[i % weights.length] ?? 0);
  return sum;
}

/** Σ digit × weight, weights applied from the rightmost digit leftwards. */
export function weightedSumFromRight(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    sum += Number(digits[digits.length - 1 - i]) * (weights[i % weights.length] ?? 0);
  }
  return sum;
}

/** "8 or 9", "22", "8 to 16". */
export function lengthsText(lengths: readonly number[]): string {
  const first = lengths[0] ?? 0;
  const last = lengths[lengths.length - 1] ?? 0;
  if (lengths.length === 1) return String(first);
  if (lengths.length === 2) return `${first} or ${last}`;
  return `${first} to ${last}`;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
