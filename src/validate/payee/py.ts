/**
 * Paraguay: RUC (DNIT, formerly SET): a body (a person's cédula number, or 8 digits from
 * 80000000 for a company) and a check digit, 5 to 9 digits in all. The check is SET's
 * "módulo 11" (its published pa_calcular_dv_11_A with base 11): Σ digits × 2,3,4,... from the
 * right; r = Σ mod 11; check = 11 - r, or 0 when r is 0 or 1. (stdnum for JavaScript gives 1
 * where r is 0; python-stdnum and SET give 0.)
 */
import { DIGITS, type IdSpec, range, weightedSumFromRight } from "./spec.js";

export const pyRuc: IdSpec = {
  kind: "py_ruc",
  label: "RUC",
  characters: DIGITS,
  charactersText: "digits",
  lengths: range(5, 9),
  leadingZeros: false,
  failures(value) {
    const r = weightedSumFromRight(value.slice(0, -1), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) % 11;
    const check = r > 1 ? 11 - r : 0;
    return check === Number(value.slice(-1)) ? [] : ["check_digit"];
  },
};
