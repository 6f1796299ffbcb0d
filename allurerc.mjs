// Allure 3 configuration (the npm package `allure`, version pinned in noxfile.py).
// `nox -s report` runs `allure generate reports/allure-results` from the repository root with it;
// paths here are relative to the repository root.
import { readFileSync } from "node:fs";

const RESULTS_DIR = process.env.ALLURE_RESULTS_DIR ?? "reports/allure-results";

// The suite writes its categories into the results folder as categories.json (fixtures/
// allure_environment.py), where Allure 2 reads them; Allure 3 takes categories from its
// config only, so the same file is read here: one definition for both.
function suiteCategories() {
  try {
    return JSON.parse(readFileSync(`${RESULTS_DIR}/categories.json`, "utf-8"));
  } catch {
    return [];
  }
}

export default {
  name: "Golden path",
  output: "reports/allure-report",
  // Kept between runs (nightly CI caches reports/history): the report shows trends.
  historyPath: "reports/history/history.jsonl",
  categories: { rules: suiteCategories() },
  plugins: {
    awesome: {
      options: {
        reportName: "Golden path",
        reportLanguage: "en",
        groupBy: ["epic", "feature", "story"],
      },
    },
  },
};
