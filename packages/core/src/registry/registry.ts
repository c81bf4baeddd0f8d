import type { ExecutionFunctionBase, ExecutionFunctionClass } from "../functions/base.js";
import { canonicalJson } from "../ir/canonical.js";
import {
  FUNCTION_NAME_RE,
  type FunctionConfig,
  parseRegistryConfig,
  parseRegistryConfigYaml,
  type RegistryConfig,
} from "./config.js";
import { issueLines, RegistryError } from "./errors.js";

/** The secret the host holds to register functions; compared by identity (use a `Symbol`). */
export type RegistrationToken = symbol | string;

/** The logging surface the registry needs (pino-compatible: `logger.warn({ ... }, "message")`). */
export interface RegistryLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** Construction options of {@link ExecutionFunctionRegistry}. */
export interface RegistryOptions {
  /** Required on every `register` / `configure` call. */
  readonly token: RegistrationToken;
  readonly logger?: RegistryLogger;
}

/** One entry of {@link ExecutionFunctionRegistry.listFunctions}. */
export interface FunctionInfo {
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly maxInstances: number | undefined;
  /** Distinct pooled instances created so far. */
  readonly instances: number;
}

interface Entry {
  readonly cls: ExecutionFunctionClass;
  readonly pool: Map<string, ExecutionFunctionBase<unknown>>;
}

const SILENT: RegistryLogger = { warn: () => {} };

/**
 * Creates execution functions by name with validated parameters.
 *
 * - Registration needs the token given at construction and is refused after
 *   {@link seal}; refusals throw `REG_BAD_TOKEN` / `REG_SEALED` and are logged.
 * - {@link getFunction} validates parameters with the class's zod schema,
 *   then pools: the same name with the same parameters (compared as
 *   canonical JSON, so key order does not matter) returns the same instance.
 *   That is safe because instances are immutable; per-stream state lives in
 *   `createState()` objects.
 * - Configuration (`enabled`, `max_instances` per function) comes from YAML
 *   or an object; disabled functions and pools at their limit are refused.
 */
export class ExecutionFunctionRegistry {
  // ECMAScript private fields (#), not TypeScript `private`: those are ordinary properties at run time, and
  // any code holding the registry could flip `isSealed` back, read the token or add entries past the guard.
  readonly #token: RegistrationToken;
  readonly #logger: RegistryLogger;
  readonly #entries = new Map<string, Entry>();
  #config: Readonly<Record<string, FunctionConfig>> = {};
  #sealed = false;

  constructor(options: RegistryOptions) {
    if (typeof options?.token !== "symbol" && (typeof options?.token !== "string" || options.token.length === 0)) {
      throw new RegistryError(
        "REG_BAD_TOKEN",
        "the registry needs a registration token (a Symbol or a non-empty string)",
      );
    }
    this.#token = options.token;
    this.#logger = options.logger ?? SILENT;
  }

  get sealed(): boolean {
    return this.#sealed;
  }

  /** Refuses every later `register` / `configure`. Idempotent. */
  seal(): void {
    this.#sealed = true;
  }

  /** Registers a function class under `name`. */
  register(name: string, cls: ExecutionFunctionClass, token: RegistrationToken): void {
    this.#guard("register", name, token);
    if (typeof name !== "string" || !FUNCTION_NAME_RE.test(name)) {
      throw new RegistryError("REG_INVALID_NAME", `function name ${JSON.stringify(name)} must be lower snake case`);
    }
    if (this.#entries.has(name)) throw new RegistryError("REG_DUPLICATE", `function ${name} is already registered`);
    if (
      typeof cls !== "function" ||
      typeof (cls as Partial<ExecutionFunctionClass>).paramsSchema?.safeParse !== "function"
    ) {
      throw new RegistryError("REG_INVALID_CLASS", `function ${name}: expected a class with a static zod paramsSchema`);
    }
    this.#entries.set(name, { cls, pool: new Map() });
  }

  /** Applies a configuration (object or YAML text). Names must be registered. */
  configure(config: RegistryConfig | string, token: RegistrationToken): void {
    this.#guard("configure", "", token);
    const parsed = typeof config === "string" ? parseRegistryConfigYaml(config) : parseRegistryConfig(config);
    const unknown = Object.keys(parsed.execution_functions).filter((n) => !this.#entries.has(n));
    if (unknown.length > 0) {
      const issues = unknown.map((n) => `execution_functions.${n}: ${this.#unknownMessage(n)}`);
      throw new RegistryError("REG_INVALID_CONFIG", `invalid registry configuration: ${issues.join("; ")}`, issues);
    }
    this.#config = Object.freeze({ ...this.#config, ...parsed.execution_functions });
  }

  /** Whether `name` is registered. */
  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /**
   * The (pooled) instance of `name` for `params`. Throws `REG_UNKNOWN_FUNCTION`,
   * `REG_DISABLED`, `REG_INVALID_PARAMS` (with issue paths) or `REG_MAX_INSTANCES`.
   *
   * With `compiled`, `params` are `compile()`'s own output in this process
   * (never a file's or a caller's): when they are, as JSON, the parameters of
   * an instance already pooled, that instance is returned without parsing
   * them again (a sweep binds every variant's rules, most of them alike, and
   * the parse of their expressions was most of a variant's set-up). Anything
   * else is parsed as always.
   */
  getFunction(name: string, params: unknown, compiled = false): ExecutionFunctionBase<unknown> {
    const entry = this.#entries.get(name);
    if (!entry) throw new RegistryError("REG_UNKNOWN_FUNCTION", this.#unknownMessage(name));
    const cfg = this.#config[name];
    if (cfg && !cfg.enabled) throw new RegistryError("REG_DISABLED", `function ${name} is disabled by configuration`);
    if (compiled) {
      const pooled = entry.pool.get(canonicalJson(params));
      if (pooled) return pooled;
    }
    const r = entry.cls.paramsSchema.safeParse(params);
    if (!r.success) {
      const issues = issueLines(r.error.issues);
      throw new RegistryError("REG_INVALID_PARAMS", `${name}: invalid parameters: ${issues.join("; ")}`, issues);
    }
    const key = canonicalJson(r.data);
    const hit = entry.pool.get(key);
    if (hit) return hit;
    const max = cfg?.max_instances;
    if (max !== undefined && entry.pool.size >= max) {
      throw new RegistryError(
        "REG_MAX_INSTANCES",
        `function ${name}: max_instances ${max} reached (distinct parameter sets); raise it in the registry configuration`,
      );
    }
    const fn = new entry.cls(r.data);
    entry.pool.set(key, fn);
    return fn;
  }

  /** Registered functions, sorted by name. */
  listFunctions(): FunctionInfo[] {
    return [...this.#entries.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, e]) => ({
        name,
        description: e.cls.description,
        enabled: this.#config[name]?.enabled ?? true,
        maxInstances: this.#config[name]?.max_instances,
        instances: e.pool.size,
      }));
  }

  #guard(op: string, name: string, token: RegistrationToken): void {
    if (token !== this.#token) {
      this.#logger.warn(
        { code: "REG_BAD_TOKEN", op, function: name },
        `registry ${op} refused: wrong registration token`,
      );
      throw new RegistryError("REG_BAD_TOKEN", `registry ${op} refused: wrong registration token`);
    }
    if (this.#sealed) {
      this.#logger.warn({ code: "REG_SEALED", op, function: name }, `registry ${op} refused: the registry is sealed`);
      throw new RegistryError("REG_SEALED", `registry ${op} refused: the registry is sealed`);
    }
  }

  #unknownMessage(name: string): string {
    const known = [...this.#entries.keys()].sort();
    return `unknown function ${JSON.stringify(name)}; registered: ${known.join(", ") || "(none)"}`;
  }
}
