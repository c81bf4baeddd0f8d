import { type Contract, SecType } from "@stoqey/ib";
import { z } from "zod";

/** How stock symbols map to IB contracts: SMART routing in USD, with an optional primary exchange per symbol. */
export const StockContractOptionsSchema = z
  .object({
    exchange: z.string().min(1).default("SMART"),
    currency: z.string().length(3).default("USD"),
    /** Primary listing exchange per symbol (`{ "AAPL": "NASDAQ" }`): disambiguates SMART-routed symbols. */
    primaryExchange: z.record(z.string().min(1), z.string().min(1)).default({}),
  })
  .strict();

export type StockContractOptions = z.infer<typeof StockContractOptionsSchema>;

/** The IB contract of a US stock symbol. */
export function stockContract(symbol: string, options: StockContractOptions): Contract {
  const primary = options.primaryExchange[symbol];
  return {
    symbol,
    secType: SecType.STK,
    exchange: options.exchange,
    currency: options.currency,
    ...(primary ? { primaryExch: primary } : {}),
  };
}
