// Money input and the budget warning: pure logic for Settings > Prices and the run panel.

import { ApiError, type BudgetStatus } from "./api";
import { formatUsd } from "./format";

/** A user's amount of US dollars ("0.15", "$2", "1,5"), 0 or more; a clear error otherwise. */
export function parseUsd(text: string, what: string): number {
  const cleaned = text.trim().replace(/^\$/, "").replace(",", ".");
  const value = cleaned === "" ? NaN : Number(cleaned);
  if (!Number.isFinite(value) || value < 0) {
    throw new ApiError("invalid_input", `The ${what} price must be an amount of US dollars, 0 or more (got “${text}”).`);
  }
  return value;
}

/** The run panel's warning once the month's spend passed the budget; `null` below it or without one. */
export function budgetWarning(status: BudgetStatus | null): string | null {
  if (!status || !status.exceeded) return null;
  return `This month's spend, ${formatUsd(status.spend.cost_usd)}, is over your ${formatUsd(status.budget_usd)} monthly budget.`;
}
