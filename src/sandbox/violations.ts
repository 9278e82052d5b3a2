/**
 * Every 422 the emulator can send: a stable snake_case `code`, a short `title`, a Spanish
 * `detail` sentence (Bitex writes them in Spanish) and the JSON pointer of the culprit.
 */
import type { RequestState } from "../wire/resources.js";
import type { Violation } from "./jsonapi.js";
import { REQUEST_ACTIONS, type RequestAction } from "./machine.js";

const attribute = (name: string) => `/data/attributes/${name}`;
const relationship = (name: string) => `/data/relationships/${name}`;

export const violations = {
  relationshipRequired: (name: string): Violation => ({
    code: `${name}_required`,
    title: "Falta una relación",
    detail: `La relación ${name} es obligatoria.`,
    pointer: relationship(name),
  }),
  portRequired: (): Violation => ({
    code: "port_code_required",
    title: "Falta el puerto",
    detail: "El atributo port_code es obligatorio.",
    pointer: attribute("port_code"),
  }),
  unknownPort: (value: unknown): Violation => ({
    code: "unknown_port",
    title: "Puerto desconocido",
    detail: `El puerto ${JSON.stringify(value)} no existe.`,
    pointer: attribute("port_code"),
  }),
  unsupportedRoute: (from: string, to: string): Violation => ({
    code: "unsupported_route",
    title: "Ruta no soportada",
    detail: `No se puede enviar dinero desde ${from} hacia ${to}.`,
    pointer: attribute("port_code"),
  }),
  amountOrBudgetRequired: (): Violation => ({
    code: "amount_or_budget_required",
    title: "Falta el monto",
    detail: "Indique amount (lo que recibe el destinatario) o budget (lo que gasta el pagador).",
    pointer: attribute("amount"),
  }),
  amountAndBudget: (): Violation => ({
    code: "amount_and_budget_exclusive",
    title: "Monto y presupuesto a la vez",
    detail: "Indique amount o budget, no ambos.",
    pointer: attribute("budget"),
  }),
  invalidMoney: (field: "amount" | "budget"): Violation => ({
    code: `invalid_${field}`,
    title: field === "amount" ? "Monto inválido" : "Presupuesto inválido",
    detail: `El ${field === "amount" ? "monto" : "presupuesto"} debe ser un número positivo escrito sin exponente.`,
    pointer: attribute(field),
  }),
  tooManyDecimals: (field: "amount" | "budget", currency: string, decimals: number): Violation => ({
    code: `${field}_too_many_decimals`,
    title: "Demasiados decimales",
    detail: `El ${field === "amount" ? "monto" : "presupuesto"} admite como máximo ${decimals} decimales en ${currency.toUpperCase()}.`,
    pointer: attribute(field),
  }),
  requestNotDraft: (requestId: string, state: RequestState): Violation => ({
    code: "request_not_draft",
    title: "La solicitud ya no admite cambios",
    detail: `La solicitud ${requestId} está en estado ${state}; solo se modifica en estado draft.`,
    pointer: relationship("request"),
  }),
  instructionOfAnotherUser: (instructionId: string, userId: string): Violation => ({
    code: "withdrawal_instruction_user_mismatch",
    title: "Instrucción de retiro ajena",
    detail: `La instrucción de retiro ${instructionId} no pertenece al usuario ${userId}.`,
    pointer: relationship("withdrawal_instruction"),
  }),
  instructionOfAnotherPort: (
    instructionId: string,
    instructionPort: string | null,
    port: string,
  ): Violation => ({
    code: "withdrawal_instruction_port_mismatch",
    title: "Instrucción de retiro de otro puerto",
    detail: `La instrucción de retiro ${instructionId} es del puerto ${instructionPort ?? "(ninguno)"}, no de ${port}.`,
    pointer: relationship("withdrawal_instruction"),
  }),
  illegalTransition: (action: RequestAction, state: RequestState): Violation => ({
    code: "invalid_state_transition",
    title: "Transición de estado inválida",
    detail: `No se puede ${REQUEST_ACTIONS[action].verb} una solicitud en estado ${state}.`,
    pointer: attribute("state"),
  }),
  quoteExpired: (requestId: string, deadline: string): Violation => ({
    code: "quote_expired",
    title: "Cotización vencida",
    detail: `La cotización de la solicitud ${requestId} venció (accept_quote_before ${deadline}); ya no se puede aceptar.`,
    pointer: attribute("accept_quote_before"),
  }),
  noOutputs: (): Violation => ({
    code: "request_has_no_outputs",
    title: "Solicitud sin salidas",
    detail: "No se puede pedir cotización de una solicitud sin salidas.",
    pointer: attribute("state"),
  }),
  requestHasOutputs: (): Violation => ({
    code: "request_has_outputs",
    title: "La solicitud ya tiene salidas",
    detail: "No se puede cambiar el puerto de una solicitud que ya tiene salidas.",
    pointer: attribute("port_code"),
  }),
  notText: (field: string): Violation => ({
    code: `invalid_${field}`,
    title: "Valor inválido",
    detail: `El atributo ${field} debe ser un texto.`,
    pointer: attribute(field),
  }),
};
