/**
 * Argentina: CBU (bank account), CVU (payment-provider account) and CUIT/CUIL (tax id).
 *
 * CBU (BCRA, "Clave Bancaria Uniforme"): 22 digits in two blocks, each closed by a check
 * digit: digits 1-7 (3 bank + 4 branch) checked by digit 8; digits 9-21 (account) checked by
 * digit 22. Check = (10 - Σ mod 10) mod 10, weights 3,1,7,9 repeating from the rightmost digit
 * of the block. A check digit of 0 is legitimate (stdnum for JavaScript gets this wrong).
 * CVU (BCRA, "Clave Virtual Uniforme"): the CBU layout and check digits, starting with
 * 000 (then a 4-digit provider code), with digit 9 reserved as 0.
 * CUIT/CUIL (AFIP): 11 digits, weights 5,4,3,2,7,6,5,4,3,2 over the first 10; check =
 * 11 - Σ mod 11, where 11 gives 0 and 10 gives 9 (as python-stdnum does).
 */
import type { Failure } from "./problems.js";
import { DIGITS, type IdSpec, weightedSum, weightedSumFromRight } from "./spec.js";

function blockCheckDigit(block: string): number {
  return (10 - (weightedSumFromRight(block, [3, 1, 7, 9]) % 10)) % 10;
}

function cbuFailures(value: string): Failure[] {
  const failures: Failure[] = [];
  if (blockCheckDigit(value.slice(0, 7)) !== Number(value[7])) failures.push("check_digit_1");
  if (blockCheckDigit(value.slice(8, 21)) !== Number(value[21])) failures.push("check_digit_2");
  return failures;
}

/** A CBU-shaped key that is a CVU (a payment provider's account, not a bank's). */
export function isCvu(value: string): boolean {
  return value.startsWith("000") && value[8] === "0";
}

const BLOCKS = {
  check_digit_1: "its 8th digit, the check digit of the bank and branch (digits 1 to 7), does not match them",
  check_digit_2: "its last digit, the check digit of the account (digits 9 to 21), does not match them",
};

/** A CVU has the CBU's layout and check digits, so it passes as a `cbu`; `isCvu` tells them apart. */
export const cbu: IdSpec = {
  kind: "cbu",
  label: "CBU",
  characters: DIGITS,
  charactersText: "digits",
  lengths: [22],
  leadingZeros: true,
  failures: cbuFailures,
  explain: BLOCKS,
};

export const cvu: IdSpec = {
  kind: "cvu",
  label: "CVU",
  characters: DIGITS,
  charactersText: "digits",
  lengths: [22],
  leadingZeros: true,
  failures(value) {
    const failures = cbuFailures(value);
    if (!value.startsWith("000")) failures.push("not_cvu_prefix_000");
    if (value[8] !== "0") failures.push("reserved_digit_not_0");
    return failures;
  },
  explain: {
    ...BLOCKS,
    not_cvu_prefix_000: "it does not start with 000 as every CVU does, so it is a bank account's CBU",
    reserved_digit_not_0: "its 9th digit is not 0, which every CVU has there",
  },
};

export const arCuit: IdSpec = {
  kind: "ar_cuit",
  label: "CUIT/CUIL",
  characters: DIGITS,
  charactersText: "digits",
  lengths: [11],
  leadingZeros: false,
  failures(value) {
    const check = "012345678990"[11 - (weightedSum(value.slice(0, 10), [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11)];
    return check === value[10] ? [] : ["check_digit"];
  },
};
