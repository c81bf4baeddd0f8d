// Embeds @tradeplan/store: every decision of a backtest journalled in a
// hash-chained SQLite file, then verified.
//   node examples/embed/store-journal.mjs [journal.db]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Backtest, calendarFor, DEMO_DATA, generateBars, tradingSessions } from "@tradeplan/core";
import { analyze } from "@tradeplan/dsl";
import { AuditJournal, auditSink, engineContext, openDatabase, verifyJournal } from "@tradeplan/store";

const source = `plan "Journalled breakout"
symbol DEMO
on 5m close crosses above highest(high, 20)[1] enter long size 100 shares
on 1m trailing stop 1.5%
`;
const { compiled: plan } = analyze(source);
if (!plan) throw new Error("the plan has errors");
const path = process.argv[2] ?? join(mkdtempSync(join(tmpdir(), "tradeplan-")), "journal.db");

// NORMAL, not the default FULL: a backtest can be rerun, so each bar close's commit need not wait for the disk.
const journal = new AuditJournal(path, { synchronous: "normal" });
let bt;
const sink = auditSink(journal, { functions: plan.functions, context: engineContext(() => bt) });
bt = new Backtest({ plan, sink });
bt.broker.onEvent(sink.onBrokerEvent);
const sessions = tradingSessions(calendarFor("regular"), DEMO_DATA.from, DEMO_DATA.sessions);
for (const bar of generateBars({ symbol: "DEMO", seed: DEMO_DATA.seed, interval: "1m", startPrice: 100 }, sessions)) bt.feed(bar);
const { result } = bt.finish();
journal.close();

const db = openDatabase(path, { readonly: true });
const report = verifyJournal(db);
db.close();
console.log(`${result.trades.length} trades; ${path}: ${report.ok ? "OK" : "TAMPERED"}, ${report.records} records`);
