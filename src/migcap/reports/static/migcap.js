// Draw every chart of the page with vega-embed (bundled in vega.js; nothing from the internet).
(function () {
  function draw() {
    document.querySelectorAll("script.chart-spec").forEach(function (node) {
      var spec = JSON.parse(node.textContent);
      if (node.dataset.map === "true" && window.MIGCAP_WORLD) {
        spec.data = { values: window.MIGCAP_WORLD, format: { type: "topojson", feature: "countries" } };
      }
      var target = document.getElementById(node.dataset.target);
      var opts = (spec.usermeta && spec.usermeta.embedOptions) || {};
      opts.renderer = "svg";
      window.vegaEmbed(target, spec, opts).catch(function (err) {
        target.textContent = "The chart could not be drawn (" + err + "). The table below has the same figures.";
      });
    });
  }
  // the country list filter
  function filter() {
    var box = document.getElementById("country-filter");
    if (!box) return;
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      document.querySelectorAll("ul.countries li").forEach(function (li) {
        li.hidden = q && li.textContent.toLowerCase().indexOf(q) < 0 && li.dataset.codes.indexOf(q) < 0;
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(); filter(); });
})();
