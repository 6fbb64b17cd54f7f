import { describe, expect, it } from "vitest";
import type { BudgetStatus } from "./api";
import { budgetWarning, parseUsd } from "./prices";

describe("parseUsd", () => {
  it("reads amounts as people type them", () => {
    expect(parseUsd("0.15", "input")).toBe(0.15);
    expect(parseUsd(" $2 ", "input")).toBe(2);
    expect(parseUsd("1,5", "input")).toBe(1.5);
    expect(parseUsd("0", "input")).toBe(0);
  });
  it("refuses what is not an amount, saying which field", () => {
    expect(() => parseUsd("-1", "output")).toThrow(/output price must be an amount/);
    expect(() => parseUsd("lots", "input")).toThrow(/got “lots”/);
    expect(() => parseUsd("", "budget")).toThrow(/budget/);
  });
});

describe("budgetWarning", () => {
  const status = (spent: number, budget: number): BudgetStatus => ({
    budget_usd: budget,
    spend: { cost_usd: spent, priced_runs: 3, runs: 4 },
    exceeded: spent > budget,
  });
  it("warns only once the month's spend passed the budget", () => {
    expect(budgetWarning(null)).toBeNull();
    expect(budgetWarning(status(4.99, 5))).toBeNull();
    expect(budgetWarning(status(5.25, 5))).toBe("This month's spend, $5.25, is over your $5.00 monthly budget.");
  });
});
