import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import { displayNow, htmlTable, JUPYTER_DISPLAY, plotFigure, plotlyFigure } from "./display.ts";
import { plot, plotDocument } from "./plot.ts";

Deno.test("plotFigure() shows an SVG as standalone SVG and HTML", () => {
  const svg = Plot.plot({ document: plotDocument(), marks: [Plot.lineY([1, 3, 2])] });
  const bundle = plotFigure(svg)[JUPYTER_DISPLAY]();
  const markup = String(bundle["image/svg+xml"]);
  assert.match(markup, /^<svg[^>]* xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(markup, /<path/);
  assert.equal(bundle["text/html"], markup);
});

Deno.test("plot() shows a figure with a legend as HTML only", () => {
  const shown = plot({
    color: { legend: true },
    marks: [Plot.dot([{ x: 1, k: "a" }, { x: 2, k: "b" }], { x: "x", fill: "k" })],
  });
  assert.equal(shown.data["image/svg+xml"], undefined);
  assert.match(String(shown.data["text/html"]), /^<figure[\s\S]*<svg/);
});

Deno.test("plotlyFigure() inlines plotly.js once, then only draws", async () => {
  const spec = { data: [{ type: "bar", x: ["a"], y: [1] }], layout: { title: { text: "<x>" } } };
  const first = await plotlyFigure(spec);
  const second = await plotlyFigure(spec);
  const always = await plotlyFigure(spec, { inline: "always" });
  const html = (shown: typeof first) => String(shown.data["text/html"]);
  assert.ok(html(first).length > 1_000_000, "the first figure carries plotly.js");
  assert.ok(html(second).length < 10_000, "the second one does not");
  assert.ok(html(always).length > 1_000_000);
  // The library script ends exactly where the drawing script starts: no early </script>.
  assert.equal(html(first).split("</script>").length, 3);
  assert.match(html(second), /Plotly\.newPlot\("bufferbane-plotly-[^"]+"/);
  assert.ok(!html(second).includes("<x>"), "JSON is escaped inside the script");
  assert.deepEqual(second.data["application/vnd.plotly.v1+json"], {
    data: spec.data,
    layout: spec.layout,
    config: { responsive: true },
  });
});

Deno.test("htmlTable() formats cells, escapes them and says what it left out", () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({
    time: new Date(i * 1000),
    name: i === 0 ? "<b>" : `r${i}`,
    value: i + 0.123456,
    none: null,
  }));
  const shown = htmlTable(rows, { maxRows: 2, digits: 1, columns: ["time", "name", "value"] });
  const html = String(shown.data["text/html"]);
  assert.equal(
    html,
    "<table><thead><tr><th>time</th><th>name</th><th>value</th></tr></thead><tbody>" +
      "<tr><td>1970-01-01T00:00:00.000Z</td><td>&lt;b&gt;</td><td>0.1</td></tr>" +
      "<tr><td>1970-01-01T00:00:01.000Z</td><td>r1</td><td>1.1</td></tr></tbody></table>" +
      "<p>3 more row(s) not shown</p>",
  );
  assert.equal(
    shown.data["text/plain"],
    "time\tname\tvalue\n1970-01-01T00:00:00.000Z\t<b>\t0.1\n1970-01-01T00:00:01.000Z\tr1\t1.1",
  );
});

Deno.test("displayNow() refuses to run outside the Jupyter kernel", async () => {
  await assert.rejects(
    () => displayNow(htmlTable([{ a: 1 }]), { settleMs: 0 }),
    /only available in `deno jupyter`/,
  );
});
