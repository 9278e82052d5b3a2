/**
 * Colombia: NIT (DIAN tax id): a body and a check digit, 8 to 16 digits in all (a person's NIT
 * is their cédula number plus the check digit, so lengths vary; python-stdnum's range).
 * Weights 3,7,13,17,19,23,29,37,41,43,47,53,59,67,71 from the rightmost body digit; the check
 * digit is "01987654321"[Σ mod 11].
 */
import { DIGITS, type IdSpec, range, weightedSumFromRight } from "./spec.js";

const WEIGHTS = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71];

export const coNit: IdSpec = {
  kind: "co_nit",
  label: "NIT",
  characters: DIGITS,
  charactersText: "digits",
  lengths: range(8, 16),
  leadingZeros: false,
  failures(value) {
    const check = "01987654321"[weightedSumFromRight(value.slice(0, -1), WEIGHTS) % 11];
    return check === value.slice(-1) ? [] : ["check_digit"];
  },
};
