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
    const label = image ? image.alt : "";
    const holder = document.createElement("div");
    holder.setAttribute("role", "img");
    holder.setAttribute("aria-label", label);
    try {
      await window.vegaEmbed(holder, spec, {
        renderer: "svg", actions: false, ast: true, expr: expressionInterpreter,
        defaultStyle: false, tooltip: { theme: "custom", disableDefaultStyle: true },
      });
      canvas.replaceChildren(holder);
      canvas.dataset.interactive = "true";
    } catch (error) {
      console.warn("chart left as a static image:", error);
    }
  }
}
