import { describe, expect, it } from "vitest";
import {
  deflatedSharpe,
  expectedMaxSharpe,
  normalCdf,
  normalQuantile,
  sampleVariance,
} from "../../src/optimize/deflated-sharpe.js";
import { periodSharpe, returnMoments } from "../../src/optimize/returns.js";

describe("normal distribution", () => {
  it("Phi and its inverse match tabulated values and invert each other", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.1586553, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 6);
    for (const p of [0.001, 0.02, 0.3, 0.5, 0.77, 0.99, 0.9999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe("deflated Sharpe ratio", () => {
  it("reproduces Bailey & Lopez de Prado's worked example (SR0 0.1132, DSR 0.9004)", () => {
    // Annualised SR 2.5 over 5 years of daily returns, 100 trials whose annualised SRs vary by 0.5, skew -3, kurtosis 10.
    const sr = 2.5 / Math.sqrt(250);
    const variance = 0.5 / 250;
    expect(expectedMaxSharpe(variance, 100)).toBeCloseTo(0.1132, 4);
    const dsr = deflatedSharpe({
      sharpe: sr,
      count: 1250,
      skew: -3,
      kurtosis: 10,
      trials: 100,
      trialVariance: variance,
    });
    expect(dsr).toBeCloseTo(0.9004, 3);
  });

  it("falls as more variants are tried, and is the probabilistic Sharpe ratio for one trial", () => {
    const base = { sharpe: 0.1, count: 250, skew: 0, kurtosis: 3, trialVariance: 0.003 };
    const figures = [1, 10, 100, 1000].map((trials) => deflatedSharpe({ ...base, trials }) as number);
    for (let i = 1; i < figures.length; i++) expect(figures[i]).toBeLessThan(figures[i - 1] as number);
    // One trial: Phi(SR sqrt(T - 1) / sqrt(1 + SR^2 / 2)).
    expect(figures[0]).toBeCloseTo(normalCdf((0.1 * Math.sqrt(249)) / Math.sqrt(1 + 0.01 / 2)), 9);
    expect(expectedMaxSharpe(0.003, 1)).toBe(0);
    expect(expectedMaxSharpe(0, 100)).toBe(0);
  });

  it("is null with fewer than two returns", () => {
    expect(deflatedSharpe({ sharpe: 0.1, count: 1, skew: 0, kurtosis: 3, trials: 5, trialVariance: 0.01 })).toBeNull();
  });
});

describe("return moments", () => {
  it("computes daily returns' mean, sample stdev, skew and kurtosis from closing equities", () => {
    const r = [0.01, -0.01, 0.0203, -0.01];
    const equities = [100];
    for (const x of r) equities.push((equities.at(-1) as number) * (1 + x));
    const m = returnMoments(equities);
    const mean = r.reduce((a, b) => a + b, 0) / 4;
    expect(m.count).toBe(4);
    expect(m.mean).toBeCloseTo(mean, 12);
    expect(m.stdev).toBeCloseTo(Math.sqrt(sampleVariance(r)), 12);
    const pop = r.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
    expect(m.skew).toBeCloseTo(r.reduce((a, b) => a + (b - mean) ** 3, 0) / 4 / pop ** 1.5, 9);
    expect(m.kurtosis).toBeCloseTo(r.reduce((a, b) => a + (b - mean) ** 4, 0) / 4 / pop ** 2, 9);
    expect(periodSharpe(m)).toBeCloseTo(m.mean / m.stdev, 12);
  });

  it("has no Sharpe ratio without variance, and normal shape figures then", () => {
    const flat = returnMoments([100, 100, 100]);
    expect(flat).toEqual({ count: 2, mean: 0, stdev: 0, skew: 0, kurtosis: 3 });
    expect(periodSharpe(flat)).toBeNull();
    expect(periodSharpe(returnMoments([100, 101]))).toBeNull();
  });
});
