/**
 * Offline checks of a payee's bank account numbers and tax ids, by kind; pure functions.
 * `checkPayeeId(kind, cell)` gives the compact number or one problem ({code, message}, the
 * message ending in the code's hint), so a row check can report it as it reports id cells.
 */
import { arCuit, cbu, cvu } from "./ar.js";
import { brCnpj, brCpf } from "./br.js";
import { checkWith, type PayeeIdResult } from "./check.js";
import { clRut } from "./cl.js";
import { coNit } from "./co.js";
import { iban } from "./iban.js";
import { mxClabe } from "./mx.js";
import { peCci, peRuc } from "./pe.js";
import { pyRuc } from "./py.js";
import type { IdSpec, PayeeIdKind } from "./spec.js";
import { usAba } from "./us.js";
import { uyCi, uyRut } from "./uy.js";

export { isCvu } from "./ar.js";
export type { PayeeIdInvalid, PayeeIdResult, PayeeIdValid } from "./check.js";
export { compactId } from "./clean.js";
export { maskId } from "./mask.js";
export { CLABE_BANKS } from "./mx.js";
export { type Failure, PAYEE_ID_HINTS, type PayeeIdCode } from "./problems.js";
export type { PayeeIdKind } from "./spec.js";

export const PAYEE_ID_SPECS: Readonly<Record<PayeeIdKind, IdSpec>> = {
  cbu,
  cvu,
  ar_cuit: arCuit,
  clabe: mxClabe,
  cl_rut: clRut,
  br_cpf: brCpf,
  br_cnpj: brCnpj,
  pe_ruc: peRuc,
  pe_cci: peCci,
  co_nit: coNit,
  uy_rut: uyRut,
  uy_ci: uyCi,
  py_ruc: pyRuc,
  us_aba: usAba,
  iban,
};

/** A kind name read from outside (a column mapping, `--json` input) that this module checks. */
export function isPayeeIdKind(name: string): name is PayeeIdKind {
  return Object.hasOwn(PAYEE_ID_SPECS, name);
}

export function checkPayeeId(kind: PayeeIdKind, raw: string): PayeeIdResult {
  return checkWith(PAYEE_ID_SPECS[kind], raw);
}
