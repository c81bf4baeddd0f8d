import type { FeedEvent } from "@tradeplan/core";
import type { CircuitBreaker, DataExpectation, ObservedBar } from "@tradeplan/core/internal";
import type { SessionControl, SessionGuard } from "./session.js";

/**
 * Connects a {@link CircuitBreaker} to a session: accepted bars, rejected
 * bars and connection changes go to the breaker, and each of its changes
 * moves the session's trading state (HALTED or REDUCING while it is open or
 * half-open, ACTIVE once it closes). The session's startup refill is the
 * breaker's backfill at start; after a reconnect, the feed's `up` (sent once
 * the missed bars are delivered) is. The breaker's {@link DataExpectation},
 * when given, sees the refill's history and every accepted bar (hours
 * learned from the data learn from them).
 */
export function breakerGuard(breaker: CircuitBreaker, expectation?: DataExpectation): SessionGuard {
  let off: (() => void) | undefined;
  return {
    start(control: SessionControl) {
      off = breaker.onChange((c) =>
        control.setState(
          c.trading,
          `circuit breaker ${c.to.replace("_", "-")}: ${c.reason.replace("_", " ")} (${c.detail})`,
        ),
      );
      breaker.backfillComplete();
      if (breaker.state !== "closed")
        control.setState(
          breaker.options.whileOpen,
          `circuit breaker ${breaker.state.replace("_", "-")}: waiting for fresh bars`,
        );
    },
    onHistory(from: number, to: number, bars: readonly ObservedBar[]) {
      expectation?.observeHistory?.(from, to, bars);
    },
    onFeedEvent(e: FeedEvent) {
      if (e.type === "bar") {
        expectation?.observe?.(e.bar);
        breaker.bar(e.bar.closeTime);
      } else if (e.type === "connection") {
        breaker.connection(e.state, e.reason);
        // A feed that reconnects reports "up" once it has delivered the bars missed while it was down
        // (ib/gap-free-feed.ts); the replay and simulated feeds never go down.
        if (e.state === "up") breaker.backfillComplete();
      }
    },
    onRejectedBar(_symbol: string, reason: string) {
      breaker.rejectedBar(reason);
    },
    stop() {
      off?.();
      breaker.dispose();
    },
    status: () => breaker.state.replace("_", "-"),
  };
}
