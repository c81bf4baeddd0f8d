/**
 * @packageDocumentation
 * How tradeplan talks about PostgreSQL servers, once for the journal store
 * and the sweep queue: the connection-string rules (no password in a URL,
 * `sslmode` one of libpq's) and a one-line account of a failed connection.
 * No Node API and no driver: the packages that connect bring `pg`.
 *
 * @module @tradeplan/postgres
 */

export {
  CONNECT_TIMEOUT_MS,
  checkPostgresUrl,
  connectProblem,
  isPostgresUrl,
  type PostgresTarget,
  SSL_MODES,
} from "./url.js";
