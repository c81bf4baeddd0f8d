import { checkPostgresUrl, type PostgresTarget } from "@tradeplan/postgres";
import { AuditError } from "../audit/errors.js";

export { isPostgresUrl, type PostgresTarget } from "@tradeplan/postgres";

/** Names of the account (one hash chain, one saved state): letters, digits and `._-`, 1 to 100 long. */
export const ACCOUNT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Checks a PostgreSQL connection string (`storage.database`, an `audit`
 * command's argument) by the rules of `@tradeplan/postgres` (no password in
 * it, a host, a database, a known `sslmode`). Throws `AUDIT_BAD_INPUT` with
 * one line saying what to fix.
 */
export function parsePostgresUrl(text: string, where: string): PostgresTarget {
  return checkPostgresUrl(text, (why) => new AuditError("AUDIT_BAD_INPUT", `${where}: ${why}`));
}

/** Checks an account name (`storage.account`, `--account`). */
export function checkAccount(account: string, where: string): string {
  if (!ACCOUNT_PATTERN.test(account))
    throw new AuditError(
      "AUDIT_BAD_INPUT",
      `${where}: account \`${account}\` must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  return account;
}
