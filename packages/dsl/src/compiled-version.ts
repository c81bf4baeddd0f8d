/**
 * The compiled plan's format version (compiled.ts): bumped on any
 * incompatible change; the runtime refuses versions it does not know. In a
 * module of its own so that the compiler, which stamps it, does not load
 * the plan's zod schemas, which only validating a plan needs (building
 * them was 5 ms of a `tradeplan check`'s start).
 */
export const COMPILED_PLAN_VERSION = 1 as const;
