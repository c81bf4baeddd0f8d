/**
 * A throw-away PostgreSQL cluster per test file (see postgres-cluster.ts,
 * which starts and stops clusters without vitest, for benchmarks too).
 */
import { afterAll, beforeAll } from "vitest";
import { type PgCluster, startCluster } from "./postgres-cluster.js";

export * from "./postgres-cluster.js";

/**
 * One cluster for the calling test file: started before its tests, stopped
 * and removed after them. Returns a getter (the cluster exists only once
 * `beforeAll` ran). Call inside a `describe.skipIf(postgresMissing())` block.
 */
export function usePostgres(): () => PgCluster {
  let cluster: PgCluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster();
  }, 120_000);
  afterAll(() => cluster?.stop());
  return () => {
    if (!cluster) throw new Error("the PostgreSQL cluster is not started (usePostgres outside a describe block?)");
    return cluster;
  };
}
