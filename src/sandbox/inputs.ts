/**
 * Reading JSON:API request documents sent by clients: `{"data": {"type", "attributes",
 * "relationships"}}`. Only the envelope is checked here; the store judges the values.
 */
import { badRequest, unprocessable } from "./jsonapi.js";

export interface ResourceInput {
  attributes: Record<string, unknown>;
  /** Relationship name → id as a digit string, or null when the relationship is absent or null. */
  relationships: Record<string, string | null>;
}

/** Never a stored id: what a relationship id that is neither digits nor an integer becomes (→ 404). */
const UNMATCHABLE_ID = "";

/** Parses the raw body text as JSON; an unreadable body is a 400. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("invalid_json", "El cuerpo de la solicitud no es JSON válido.");
  }
}

export function readResource(body: unknown, type: string): ResourceInput {
  const data = isObject(body) ? body.data : undefined;
  if (!isObject(data)) {
    throw unprocessable(type, [
      {
        code: "invalid_body",
        title: "Cuerpo inválido",
        detail: "El cuerpo debe ser un documento JSON:API con un objeto data.",
        pointer: "/data",
      },
    ]);
  }
  if (data.type !== undefined && data.type !== type) {
    throw unprocessable(type, [
      {
        code: "invalid_type",
        title: "Tipo inválido",
        detail: `Se esperaba data.type "${type}" y llegó ${JSON.stringify(data.type)}.`,
        pointer: "/data/type",
      },
    ]);
  }
  const attributes = isObject(data.attributes) ? data.attributes : {};
  const relationships: Record<string, string | null> = {};
  if (isObject(data.relationships)) {
    for (const [name, relationship] of Object.entries(data.relationships)) {
      relationships[name] = relationshipId(relationship);
    }
  }
  return { attributes, relationships };
}

/** Bitex accepts relationship ids as numbers or strings; responses always carry digit strings. */
function relationshipId(relationship: unknown): string | null {
  if (!isObject(relationship)) return null;
  const data = relationship.data;
  if (data === null || data === undefined) return null;
  if (!isObject(data)) return UNMATCHABLE_ID;
  const id = data.id;
  if (typeof id === "number" && Number.isSafeInteger(id) && id >= 0) return String(id);
  if (typeof id === "string" && /^\d+$/.test(id)) return id;
  return UNMATCHABLE_ID;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
