"""The bench's breakout rule in backtrader, a peer of `pnpm bench peers`.

Run as (from the repository root, backtrader from ../shared/peers):

    PYTHONPATH=../shared/peers python3 bench/peers/backtrader_breakout.py FILE STAMPS TRAIL SIZE

FILE holds 1-minute bars `Date,Time,Open,High,Low,Close,Volume[,...]`;
STAMPS is `open` or `close` (whether a row's time is its bar's open or its
close). The rule, as bench/plans/peer-breakout-*.plan states it: on each
5-minute close, first a trailing stop (exit when the close is at or below the
best close since the entry decision, that close included, less TRAIL%), then
`close crosses above highest(high, 12)[1]` (above the highest 5-minute high
of the 12 bars before this one, and the previous close at or below the same
channel one bar earlier) enters SIZE long when flat (or exiting on this
close); market orders fill at the next 1-minute open (backtrader's default
broker).

The 5-minute closes are marked by the data feed (a `fiveclose` line), which
reads one row ahead: a bucket closes at its last minute, or, when that minute
is missing from the data, with the row before the next bucket. (A
`resampledata` 5-minute feed delivers such a bar only with the next row, one
bar late, so its orders would fill a minute later than the other engines'.)
The strategy builds the 5-minute highs from the 1-minute rows.

Prints one JSON line: bars, entries, entryTimes (5-minute close times, local
time of the file), runSeconds and runCpuSeconds (wall and CPU time of the
Cerebro construction and run: reading the file, the strategy and the broker;
not the interpreter's start).
"""

import collections
import csv
import datetime
import json
import sys
import time

import backtrader as bt

# Bars in the channel: `highest(high, 12)[1]`.
CHANNEL = 12


class MinuteBars(bt.feed.DataBase):
    """1-minute rows with a `fiveclose` line: 1 on the row that closes a 5-minute bucket."""

    lines = ("fiveclose",)
    params = (("path", None), ("stamps", "open"))

    def start(self):
        super().start()
        self._file = open(self.p.path, newline="")
        self._rows = csv.reader(self._file)
        next(self._rows)  # the header
        self._shift = 1 if self.p.stamps == "close" else 0
        self._next = self._parse(next(self._rows, None))

    def stop(self):
        self._file.close()
        super().stop()

    def _parse(self, row):
        if row is None:
            return None
        d, t = row[0], row[1]
        y, mo, da = int(d[0:4]), int(d[5:7]), int(d[8:10])
        minute = int(t[0:2]) * 60 + int(t[3:5]) - self._shift  # the bar's open minute
        return (y, mo, da, minute, float(row[2]), float(row[3]), float(row[4]), float(row[5]), float(row[6]))

    def _load(self):
        cur = self._next
        if cur is None:
            return False
        nxt = self._parse(next(self._rows, None))
        self._next = nxt
        y, mo, da, minute, o, h, lo, c, v = cur
        bucket = minute // 5
        if (minute + 1) % 5 == 0:
            closes = True  # the bucket's last minute
        elif nxt is None:
            closes = False  # the data ends inside the bucket: it never closed
        else:
            closes = nxt[0:3] != cur[0:3] or nxt[3] // 5 != bucket
        stamp = minute + self._shift
        self.lines.datetime[0] = bt.date2num(datetime.datetime(y, mo, da, stamp // 60, stamp % 60))
        self.lines.open[0] = o
        self.lines.high[0] = h
        self.lines.low[0] = lo
        self.lines.close[0] = c
        self.lines.volume[0] = v
        self.lines.openinterest[0] = 0.0
        self.lines.fiveclose[0] = 1.0 if closes else 0.0
        return True


class Breakout(bt.Strategy):
    params = (("trail", 1.0), ("size", 1), ("stamps", "open"))

    def __init__(self):
        self.frac = self.p.trail / 100
        self.best = 0.0
        self.high = float("-inf")  # the open bucket's high so far
        self.highs = collections.deque(maxlen=CHANNEL + 2)  # the last 5-minute highs
        self.prev = float("nan")  # the previous 5-minute close; none before the first
        self.entry_times = []

    def next(self):
        d = self.data
        h = d.high[0]
        if h > self.high:
            self.high = h
        if not d.fiveclose[0]:
            return
        highs = self.highs
        highs.append(self.high)
        self.high = float("-inf")
        c = d.close[0]
        long = self.position.size > 0
        exiting = False
        if long:
            if c > self.best:
                self.best = c
            # tradeplan's 1e-12 relative slack: a close exactly at the stop level triggers.
            if c <= self.best * (1 - self.frac) * (1 + 1e-12):
                self.close()
                exiting = True
        prev = self.prev
        self.prev = c
        if (not long or exiting) and len(highs) == CHANNEL + 2:
            # The channel now (the 12 bars before this one) and on the previous close (the 12 before that).
            now = max(highs[k] for k in range(1, CHANNEL + 1))
            before = max(highs[k] for k in range(0, CHANNEL))
            if c > now and prev <= before:
                self.buy(size=self.p.size)
                self.best = c
                # The decision's time: the close of the 5-minute bucket this row's minute belongs to.
                dt = d.datetime.datetime(0)
                minute = dt.hour * 60 + dt.minute - (1 if self.p.stamps == "close" else 0)
                m = (minute // 5 + 1) * 5
                self.entry_times.append("%04d-%02d-%02d %02d:%02d" % (dt.year, dt.month, dt.day, m // 60, m % 60))


def main():
    if len(sys.argv) != 5 or sys.argv[2] not in ("open", "close"):
        print("usage: backtrader_breakout.py FILE open|close TRAIL_PERCENT SIZE", file=sys.stderr)
        sys.exit(2)
    path, stamps, trail, size = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    t0 = time.perf_counter()
    c0 = time.process_time()
    cerebro = bt.Cerebro(stdstats=False)
    data = MinuteBars(path=path, stamps=stamps)
    cerebro.adddata(data)
    cerebro.addstrategy(Breakout, trail=trail, size=size, stamps=stamps)
    # Enough cash that no order is ever refused for margin (entries are what the engines are compared on).
    cerebro.broker.setcash(1e12)
    strat = cerebro.run()[0]
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    print(
        json.dumps(
            {"bars": len(data), "entries": len(strat.entry_times), "entryTimes": strat.entry_times, "runSeconds": seconds, "runCpuSeconds": cpu_seconds}
        )
    )


if __name__ == "__main__":
    main()
