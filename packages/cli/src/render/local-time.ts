/**
 * The one formatter of exchange-local times lives in the runtime (the HTML
 * report and the playground use it too); the CLI's modules import it here.
 */
export { LocalTime } from "@tradeplan/core";
