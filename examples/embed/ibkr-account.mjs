// Embeds @tradeplan/ibkr: connects to TWS or IB Gateway (paper account by
// default), reads positions and open orders, prints the account, disconnects.
//   node examples/embed/ibkr-account.mjs [port=7497] [clientId=17]
// Tested against the loopback fake TWS driven by the real @stoqey/ib client
// (test/embed-examples.test.ts); no real TWS runs in CI.
import { IbBroker } from "@tradeplan/ibkr";

const port = Number(process.argv[2] ?? 7497);
const clientId = Number(process.argv[3] ?? 17);
const broker = new IbBroker({ connection: { host: "127.0.0.1", port, clientId } });
try {
  await broker.start();
  const account = broker.account();
  console.log(`connected to ${port}: cash ${account.cash.toFixed(2)}, equity ${account.equity.toFixed(2)}`);
  for (const order of broker.openOrders()) console.log(`open order ${order.clientOrderId} ${order.side} ${order.quantity} ${order.symbol}`);
} finally {
  await broker.stop();
}
