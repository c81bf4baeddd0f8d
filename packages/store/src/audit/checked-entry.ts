import { canonicalJson, issueLines } from "@tradeplan/core/internal";
import { AuditError } from "./errors.js";
import { type AuditEntry, AuditEntrySchema } from "./record.js";

/**
 * A record given to `append` by code the journal does not trust, checked
 * once for both stores: the schema, and a context and payload that
 * serialize to canonical JSON (what the hash covers).
 *
 * @throws AuditError AUDIT_BAD_INPUT naming the bad field.
 */
export function checkedEntry(entry: AuditEntry): AuditEntry {
  const r = AuditEntrySchema.safeParse(entry);
  if (!r.success)
    throw new AuditError("AUDIT_BAD_INPUT", `invalid audit record: ${issueLines(r.error.issues).join("; ")}`);
  for (const [what, v] of [
    ["context", r.data.context],
    ["payload", r.data.payload],
  ] as const) {
    try {
      canonicalJson(v);
    } catch (e) {
      throw new AuditError("AUDIT_BAD_INPUT", `invalid audit record: ${what} is not JSON-serializable (${String(e)})`);
    }
  }
  return r.data;
}
