// Marks the page as scripted (what GOV.UK Frontend's inline snippet does, which our
// Content-Security-Policy forbids), starts GOV.UK Frontend, then the charts.
document.body.classList.add("js-enabled", "govuk-frontend-supported");
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";
import { enhanceCharts } from "/static/charts.mjs";

initAll();
enhanceCharts();
