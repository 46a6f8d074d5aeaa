// Turns each chart's static SVG image into the interactive Vega-Lite chart it was drawn
// from, with tooltips. Expressions run through vega-interpreter, so no eval is needed.
const SCRIPTS = ["/static/vendor/vega.min.js", "/static/vendor/vega-lite.min.js",
  "/static/vendor/vega-embed.min.js"];

function load(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = reject;
    document.head.appendChild(script);
  });
}

export async function enhanceCharts() {
  const canvases = document.querySelectorAll(".app-chart__canvas[data-spec]");
  if (!canvases.length) return;
  for (const src of SCRIPTS) await load(src);
  // Imported only now: it reads the vega global the scripts above define.
  const { expressionInterpreter } = await import("/static/vendor/vega-interpreter.mjs");
  for (const canvas of canvases) {
    const spec = JSON.parse(document.getElementById(canvas.dataset.spec).textContent);
    const image = canvas.querySelector("img");
    const holder = document.createElement("div");
    try {
      await window.vegaEmbed(holder, spec, {
        renderer: "svg", actions: false, ast: true, expr: expressionInterpreter,
        defaultStyle: false, tooltip: { theme: "custom", disableDefaultStyle: true },
      });
      // Vega labels the chart with the spec's description (the image's alt text, set by
      // scrutiny.web.chart_views); it keeps the image's caption and the pointer to its
      // figures too (the table after it, as the tooltips need a mouse).
      holder.setAttribute("aria-label", image ? image.alt : spec.description);
      for (const name of ["aria-describedby", "aria-details"]) {
        if (image && image.hasAttribute(name)) holder.setAttribute(name, image.getAttribute(name));
      }
      canvas.replaceChildren(holder);
      canvas.dataset.interactive = "true";
    } catch (error) {
      console.warn("chart left as a static image:", error);
    }
  }
}
