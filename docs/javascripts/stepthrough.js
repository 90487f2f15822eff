// The step-through and the "nudge a weight" plot: one forward and backward pass of a tinynet network,
// step by step. Every number comes from the JSON the docs build wrote (tinynet/teach/stepthrough/, from
// network.trace and cost_of); this script only draws it. No framework, no network access but the data file.
//
//   <div class="stepthrough" data-src="../../generated/stepthrough/lesson2.json" data-start="cost"></div>
//   <div class="nudge" data-src="../../generated/stepthrough/lesson2.json" data-param="W2_11"></div>
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var loads = {};
  var instances = 0;

  // The digits the page shows (tinynet.teach.stepthrough.fmt writes the same).
  function fmt(v) {
    if (v === 0 || Math.abs(v) >= 1e-3) return v.toFixed(4);
    return v.toExponential(2);
  }

  function load(src) {
    var url = new URL(src, document.baseURI).href;
    if (!loads[url]) {
      if (location.protocol === "file:") {
        // a page opened from disk cannot fetch: the build wrote the same data as a script
        loads[url] = new Promise(function (resolve, reject) {
          var name = url.split("/").pop();
          var script = document.createElement("script");
          script.src = url + ".js";
          script.onload = function () { resolve(window.TINYNET_STEPTHROUGH[name]); };
          script.onerror = function () { reject(new Error("cannot load " + url + ".js")); };
          document.head.appendChild(script);
        });
      } else {
        loads[url] = fetch(url).then(function (response) {
          if (!response.ok) throw new Error(url + ": " + response.status);
          return response.json();
        });
      }
    }
    return loads[url];
  }

  function h(tag, attrs, parent, text) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function s(tag, attrs, parent, text) {
    var node = document.createElementNS(SVGNS, tag);
    for (var key in attrs || {}) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function num(value, stepIndex, partIndex, k, parent, svg) {
    var attrs = { "class": "st-num", "data-step": stepIndex, "data-part": partIndex, "data-k": k };
    return svg ? s("tspan", attrs, parent, fmt(value)) : h("span", attrs, parent, fmt(value));
  }

  function plain(html) {
    var div = document.createElement("div");
    div.innerHTML = html;
    return div.textContent;
  }

  function renderTex(node, tex) {
    node.setAttribute("data-tex", tex);
    if (window.katex) {
      try {
        window.katex.render(tex, node, { displayMode: true, throwOnError: false });
        return;
      } catch (e) { /* fall through to the source */ }
    }
    node.textContent = tex;
  }

  // A diverging colour: blue for negative, white for 0, red for positive (|v| / scale up to 1).
  function colour(v, scale) {
    var t = scale > 0 ? Math.max(-1, Math.min(1, v / scale)) : 0;
    var to = t >= 0 ? [214, 69, 65] : [49, 110, 196];
    var a = Math.abs(t);
    var rgb = [0, 1, 2].map(function (i) { return Math.round(255 + (to[i] - 255) * a); });
    return "rgb(" + rgb.join(",") + ")";
  }

  // --- the step-through ------------------------------------------------------------------------------------

  function buildScene(svg, scene, refs) {
    var unitsById = {};
    scene.units.forEach(function (u) { unitsById[u.id] = u; });
    var edges = s("g", { "class": "st-edges" }, svg);
    scene.edges.forEach(function (e) {
      var a = unitsById[e.from], b = unitsById[e.to];
      var line = s("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, "class": e.skip ? "st-edge st-skip" : "st-edge" }, edges);
      refs.edges[e.id] = { line: line, a: a, b: b };
    });
    var maps = s("g", { "class": "st-maps" }, svg);
    scene.maps.forEach(function (m) {
      var g = s("g", { "class": "st-map" }, maps);
      var cells = [];
      for (var r = 0; r < m.rows; r++) {
        for (var c = 0; c < m.cols; c++) {
          var rect = s("rect", { x: m.x + c * m.cell, y: m.y + r * m.cell, width: m.cell, height: m.cell,
                                 "class": "st-cell" }, g);
          s("title", {}, rect, "");
          cells.push(rect);
        }
      }
      s("rect", { x: m.x, y: m.y, width: m.cols * m.cell, height: m.rows * m.cell, "class": "st-mapframe" }, g);
      refs.maps[m.id] = { spec: m, cells: cells };
    });
    var units = s("g", { "class": "st-units" }, svg);
    scene.units.forEach(function (u) {
      var g = s("g", { "class": "st-unit" }, units);
      var circle = s("circle", { cx: u.x, cy: u.y, r: u.r, "class": "st-circle" }, g);
      s("text", { x: u.x, y: u.y + 4, "class": "st-unitlabel" }, g, u.label);
      var slots = scene.slots.map(function (_, i) {
        return s("text", { x: u.x + u.r + 5, y: u.y - 22 + 13 * i, "class": "st-slot" }, g);
      });
      refs.units[u.id] = { circle: circle, slots: slots, spec: u };
    });
    scene.texts.forEach(function (t) {
      var node = s("text", { x: t.x, y: t.y, "class": "st-text " + (t.cls || "") }, svg, t.id ? "" : t.text);
      if (t.id) refs.texts[t.id] = { node: node, spec: t };
    });
    refs.edgeLabels = s("g", { "class": "st-edgelabels" }, svg);
  }

  function setupStepthrough(root) {
    root.setAttribute("data-ready", "loading");
    load(root.getAttribute("data-src")).then(function (data) {
      makeStepthrough(root, data);
    }).catch(function (error) {
      root.setAttribute("data-ready", "error");
      root.textContent = "The step-through could not load its data (" + error.message + ").";
      throw error;
    });
  }

  function makeStepthrough(root, data) {
    var id = "st" + (++instances);
    var steps = data.steps;
    root.innerHTML = "";
    root.setAttribute("data-kind", data.kind);
    var box = h("div", { "class": "st-box", tabindex: "0", role: "group",
                         "aria-roledescription": "step-through",
                         "aria-label": "Step through " + data.title + ". Left and right arrow keys: back and next." }, root);
    h("div", { "class": "st-title", id: id + "-title" }, box, data.title);
    var controls = h("div", { "class": "st-controls" }, box);
    var back = h("button", { type: "button", "class": "st-back md-button", "aria-label": "Back: the previous step" }, controls, "◀ Back");
    var counter = h("span", { "class": "st-counter", "aria-hidden": "true" }, controls);
    var next = h("button", { type: "button", "class": "st-next md-button md-button--primary", "aria-label": "Next step" }, controls, "Next ▶");
    var phase = h("div", { "class": "st-steptitle" }, box);
    var svg = s("svg", { viewBox: "0 0 " + data.scene.width + " " + data.scene.height, "class": "st-svg",
                         role: "img", "aria-labelledby": id + "-title", preserveAspectRatio: "xMidYMin meet" }, box);
    var refs = { units: {}, edges: {}, maps: {}, texts: {} };
    buildScene(svg, data.scene, refs);
    var eq = h("div", { "class": "st-eq", "aria-label": "the equation applied" }, box);
    var codeBox = h("div", { "class": "st-code" }, box);
    var values = h("div", { "class": "st-values" }, box);
    var live = h("div", { "class": "st-live", "aria-live": "polite", "aria-atomic": "true" }, box);
    var current = 0;

    function show(i, announce) {
      current = Math.max(0, Math.min(steps.length - 1, i));
      var st = steps[current];
      root.setAttribute("data-step", current);
      root.setAttribute("data-step-id", st.id);
      back.disabled = current === 0;
      next.disabled = current === steps.length - 1;
      counter.textContent = "Step " + (current + 1) + " of " + steps.length;
      phase.textContent = st.title;
      phase.setAttribute("data-phase", st.phase);
      draw(current);
      renderTex(eq, st.tex);
      eq.scrollLeft = 0;
      shade();
      eq.setAttribute("data-step", st.id);
      codeBox.innerHTML = "";
      st.code.forEach(function (line) {
        var row = h("div", { "class": "st-codeline" }, codeBox);
        h("span", { "class": "st-where" }, row, line.file + ":" + line.line + " (" + line.where + ")");
        h("code", {}, row, line.text);
      });
      panel(st, current);
      if (announce) {
        var first = st.parts.filter(function (p) { return p.panel; })[0];
        var said = first && first.values.length <= 6 ? ": " + plain(first.name) + " = " + first.values.map(fmt).join(", ") : "";
        live.textContent = "Step " + (current + 1) + " of " + steps.length + ". " + st.title + said;
      }
    }

    function draw(upto) {
      var u, m, t;
      for (u in refs.units) {
        refs.units[u].circle.setAttribute("class", "st-circle");
        refs.units[u].slots.forEach(function (slot) { slot.textContent = ""; slot.removeAttribute("data-cur"); });
      }
      for (m in refs.maps) {
        refs.maps[m].cells.forEach(function (cell) {
          cell.setAttribute("class", "st-cell");
          cell.setAttribute("fill", "none");
          cell.firstChild.textContent = "";
        });
        refs.maps[m].label = null;
      }
      for (t in refs.texts) { refs.texts[t].node.textContent = ""; }
      for (var e in refs.edges) refs.edges[e].line.setAttribute("class", refs.edges[e].line.getAttribute("class")
        .replace(/ st-hl/g, ""));
      refs.edgeLabels.innerHTML = "";
      var masks = {};
      for (var si = 0; si <= upto; si++) {
        steps[si].parts.forEach(function (p, pi) { apply(p, si, pi, si === upto, masks); });
      }
      for (m in masks) {
        masks[m].forEach(function (on, k) {
          if (on) refs.maps[m].cells[k].setAttribute("class", refs.maps[m].cells[k].getAttribute("class") + " st-maskcell");
        });
      }
      var hl = steps[upto].highlight || {};
      (hl.edges || []).forEach(function (e) {
        refs.edges[e].line.setAttribute("class", refs.edges[e].line.getAttribute("class") + " st-hl");
      });
      for (m in hl.cells || {}) {
        hl.cells[m].forEach(function (k) {
          var cell = refs.maps[m].cells[k];
          cell.setAttribute("class", cell.getAttribute("class") + " st-focus");
        });
      }
    }

    function apply(p, si, pi, isCurrent, masks) {
      var target = p.target;
      if (target.type === "units") {
        target.ids.forEach(function (uid, k) {
          var unit = refs.units[uid];
          var slot = unit.slots[target.slot];
          slot.textContent = "";
          s("tspan", { "class": "st-sym" }, slot, p.sym + " ");
          num(p.values[k], si, pi, k, slot, true);
          if (isCurrent) {
            slot.setAttribute("data-cur", "1");
            unit.circle.setAttribute("class", "st-circle st-cur");
          }
        });
      } else if (target.type === "texts") {
        target.ids.forEach(function (tid, k) {
          var node = refs.texts[tid].node;
          node.textContent = "";
          s("tspan", { "class": "st-sym" }, node, p.sym + " = ");
          num(p.values[k], si, pi, k, node, true);
          if (isCurrent) node.setAttribute("data-cur", "1"); else node.removeAttribute("data-cur");
        });
      } else if (target.type === "edges" && isCurrent) {
        target.ids.forEach(function (eid, k) {
          var edge = refs.edges[eid];
          edge.line.setAttribute("class", edge.line.getAttribute("class") + " st-hl");
          var x = edge.a.x + 0.72 * (edge.b.x - edge.a.x), y = edge.a.y + 0.72 * (edge.b.y - edge.a.y);
          var label = s("text", { x: x, y: y - 2, "class": "st-edgelabel" }, refs.edgeLabels);
          num(p.values[k], si, pi, k, label, true);
        });
      } else if (target.type === "maps") {
        var scale = Math.max.apply(null, p.values.map(Math.abs));
        var k = 0;
        target.ids.forEach(function (mid) {
          var map = refs.maps[mid];
          map.cells.forEach(function (cell) {
            var v = p.values[k];
            cell.setAttribute("fill", colour(v, scale));
            cell.setAttribute("data-value", v);
            cell.firstChild.textContent = plain(p.name) + ": " + fmt(v);
            cell.setAttribute("class", isCurrent ? "st-cell st-cur" : "st-cell");
            k++;
          });
        });
      } else if (target.type === "mask") {
        var j = 0;
        target.ids.forEach(function (mid) {
          masks[mid] = refs.maps[mid].cells.map(function () { return p.values[j++] === 1; });
        });
      }
    }

    function panel(st, si) {
      values.innerHTML = "";
      st.parts.forEach(function (p, pi) {
        if (!p.panel) return;
        var box = h("div", { "class": "st-part" }, values);
        var name = h("div", { "class": "st-partname" }, box);
        name.innerHTML = p.name;
        var shape = p.shape;
        if (shape.length === 0) { num(p.values[0], si, pi, 0, box); return; }
        var rows = shape.length === 1 ? 1 : shape[shape.length - 2];
        var cols = shape[shape.length - 1];
        var tables = p.values.length / (rows * cols);
        for (var t = 0; t < tables; t++) {
          var table = h("table", { "class": "st-table" }, box);
          for (var r = 0; r < rows; r++) {
            var tr = h("tr", {}, table);
            for (var c = 0; c < cols; c++) {
              var k = (t * rows + r) * cols + c;
              var v = p.values[k];
              var td = h("td", { "class": v > 0 ? "st-pos" : v < 0 ? "st-neg" : "" }, tr);
              num(v, si, pi, k, td);
            }
          }
        }
      });
    }

    back.addEventListener("click", function () { show(current - 1, true); });
    next.addEventListener("click", function () { show(current + 1, true); });
    box.addEventListener("keydown", function (event) {
      var to = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: steps.length - 1 }[event.key];
      if (to === undefined || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      show(to, true);
    });
    // The drawing's numbers are 11px in its own units (stepthrough.css); scaled to under 9px they cannot be
    // read, so a narrow drawing leaves them out (.st-narrow) and the table below it carries the step's values.
    function fit() {
      var width = svg.getBoundingClientRect().width;
      if (width) box.classList.toggle("st-narrow", width < data.scene.width * 9 / 11);
      shade();
    }
    // An equation wider than its box scrolls inside it; a shade on each side with more to see says so.
    function shade() {
      var more = eq.scrollWidth - eq.clientWidth;
      eq.classList.toggle("st-more-left", more > 1 && eq.scrollLeft > 1);
      eq.classList.toggle("st-more-right", more > 1 && eq.scrollLeft < more - 1);
    }
    eq.addEventListener("scroll", shade);
    if (window.ResizeObserver) new ResizeObserver(fit).observe(svg);
    if (document.fonts) document.fonts.ready.then(shade); // KaTeX's fonts change the equation's width
    var start = root.getAttribute("data-start");
    var at = 0;
    steps.forEach(function (st, i) { if (st.id === start) at = i; });
    show(at, false);
    fit();
    root.setAttribute("data-ready", "1");
  }

  // --- the nudge plot ---------------------------------------------------------------------------------------------

  function setupNudge(root) {
    root.setAttribute("data-ready", "loading");
    load(root.getAttribute("data-src")).then(function (data) {
      makeNudge(root, data.nudge);
    }).catch(function (error) {
      root.setAttribute("data-ready", "error");
      root.textContent = "The nudge plot could not load its data (" + error.message + ").";
      throw error;
    });
  }

  function makeNudge(root, nudge) {
    var id = "nd" + (++instances);
    var W = 520, H = 300, left = 62, right = 16, top = 16, bottom = 40;
    root.innerHTML = "";
    var box = h("div", { "class": "st-box nd-box", role: "group", "aria-labelledby": id + "-title" }, root);
    h("div", { "class": "st-title", id: id + "-title" }, box, "Nudge a weight: the cost C against Δw, and the tangent of slope ∂C/∂w");
    var controls = h("div", { "class": "nd-controls" }, box);
    var pickLabel = h("label", { "for": id + "-param" }, controls, "Parameter ");
    var select = h("select", { id: id + "-param", "class": "nd-param" }, pickLabel);
    nudge.params.forEach(function (p, i) { h("option", { value: i }, select, p.label); });
    var sliderLabel = h("label", { "for": id + "-dw", "class": "nd-sliderlabel" }, controls, "Δw ");
    var zero = nudge.deltas.indexOf(0);
    var slider = h("input", { id: id + "-dw", type: "range", min: 0, max: nudge.deltas.length - 1, step: 1,
                              value: zero >= 0 ? Math.min(zero + 5, nudge.deltas.length - 1) : 0, "class": "nd-slider" }, sliderLabel);
    var dwOut = h("output", { "for": id + "-dw", "class": "nd-dw" }, controls);
    var svg = s("svg", { viewBox: "0 0 " + W + " " + H, "class": "nd-svg", role: "img",
                         "aria-label": "The cost against the nudge Δw of the chosen parameter, with its tangent line" }, box);
    var clip = s("clipPath", { id: id + "-clip" }, s("defs", {}, svg));
    s("rect", { x: left, y: top, width: W - left - right, height: H - top - bottom }, clip);
    var axes = s("g", { "class": "nd-axes" }, svg);
    var plot = s("g", { "clip-path": "url(#" + id + "-clip)" }, svg);
    var curve = s("polyline", { "class": "nd-curve" }, plot);
    var tangent = s("line", { "class": "nd-tangent" }, plot);
    var measured = s("line", { "class": "nd-measured" }, plot);
    var predicted = s("line", { "class": "nd-predicted" }, plot);
    var point = s("circle", { r: 5, "class": "nd-point" }, plot);
    var origin = s("circle", { r: 4, "class": "nd-origin" }, plot);
    var legend = s("g", { "class": "nd-legend" }, svg);
    s("line", { x1: left + 10, y1: top + 10, x2: left + 34, y2: top + 10, "class": "nd-curve" }, legend);
    s("text", { x: left + 40, y: top + 14 }, legend, "C(w + Δw), by cost_of");
    s("line", { x1: left + 10, y1: top + 28, x2: left + 34, y2: top + 28, "class": "nd-tangent" }, legend);
    s("text", { x: left + 40, y: top + 32 }, legend, "tangent: slope ∂C/∂w, by backprop");
    var readout = h("div", { "class": "nd-readout", "aria-live": "polite" }, box);

    function show() {
      var p = nudge.params[+select.value];
      var i = +slider.value;
      var d = nudge.deltas, C = p.costs;
      var x0 = d[0], x1 = d[d.length - 1];
      var lo = Math.min.apply(null, C), hi = Math.max.apply(null, C);
      var pad = (hi - lo) * 0.15 || 0.01;
      lo -= pad; hi += pad;
      var X = function (v) { return left + (v - x0) / (x1 - x0) * (W - left - right); };
      var Y = function (v) { return top + (hi - v) / (hi - lo) * (H - top - bottom); };
      axes.innerHTML = "";
      s("line", { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, "class": "nd-axis" }, axes);
      s("line", { x1: left, y1: top, x2: left, y2: H - bottom, "class": "nd-axis" }, axes);
      [x0, (x0 + 0) / 2, 0, x1 / 2, x1].forEach(function (v) {
        s("line", { x1: X(v), y1: H - bottom, x2: X(v), y2: H - bottom + 4, "class": "nd-axis" }, axes);
        s("text", { x: X(v), y: H - bottom + 16, "class": "nd-tick" }, axes, String(v));
      });
      [lo + pad, (lo + hi) / 2, hi - pad].forEach(function (v) {
        s("text", { x: left - 6, y: Y(v) + 4, "class": "nd-tick nd-ytick" }, axes, v.toFixed(3));
        s("line", { x1: left - 4, y1: Y(v), x2: left, y2: Y(v), "class": "nd-axis" }, axes);
      });
      s("text", { x: (left + W - right) / 2, y: H - 6, "class": "nd-tick" }, axes, "Δw");
      s("text", { x: 14, y: top + (H - top - bottom) / 2, "class": "nd-tick", transform: "rotate(-90 14 " + (top + (H - top - bottom) / 2) + ")" }, axes, "C");
      curve.setAttribute("points", d.map(function (v, k) { return X(v) + "," + Y(C[k]); }).join(" "));
      var tg = p.tangent;
      tangent.setAttribute("x1", X(tg[0][0])); tangent.setAttribute("y1", Y(tg[0][1]));
      tangent.setAttribute("x2", X(tg[1][0])); tangent.setAttribute("y2", Y(tg[1][1]));
      tangent.setAttribute("data-slope", p.grad);
      tangent.setAttribute("data-from", tg[0].join(","));
      tangent.setAttribute("data-to", tg[1].join(","));
      origin.setAttribute("cx", X(0)); origin.setAttribute("cy", Y(nudge.C));
      point.setAttribute("cx", X(d[i])); point.setAttribute("cy", Y(C[i]));
      measured.setAttribute("x1", X(d[i])); measured.setAttribute("x2", X(d[i]));
      measured.setAttribute("y1", Y(nudge.C)); measured.setAttribute("y2", Y(C[i]));
      predicted.setAttribute("x1", X(d[i]) + 4); predicted.setAttribute("x2", X(d[i]) + 4);
      predicted.setAttribute("y1", Y(nudge.C)); predicted.setAttribute("y2", Y(nudge.C + p.predicted[i]));
      slider.setAttribute("aria-valuetext", "Δw = " + d[i]);
      dwOut.textContent = "Δw = " + d[i].toFixed(2);
      root.setAttribute("data-param", p.id);
      readout.innerHTML = "";
      var line = function (label, value, cls) {
        var row = h("div", { "class": cls }, readout);
        h("span", {}, row, label + " ");
        h("span", { "class": "st-num" }, row, fmt(value));
      };
      line(p.label + ": w =", p.value, "nd-w");
      line("∂C/∂w (backprop, the tangent's slope) =", p.grad, "nd-grad");
      line("measured change C(w + Δw) − C(w) =", p.measured[i], "nd-meas");
      line("predicted change ∂C/∂w · Δw =", p.predicted[i], "nd-pred");
    }

    select.addEventListener("change", show);
    slider.addEventListener("input", show);
    var want = root.getAttribute("data-param");
    nudge.params.forEach(function (p, i) { if (p.id === want) select.value = i; });
    show();
    root.setAttribute("data-ready", "1");
  }

  function init() {
    document.querySelectorAll(".stepthrough:not([data-ready])").forEach(setupStepthrough);
    document.querySelectorAll(".nudge:not([data-ready])").forEach(setupNudge);
  }

  // Material's document$ fires on the first load and after each instant navigation.
  if (typeof document$ !== "undefined" && typeof document$.subscribe === "function") {
    document$.subscribe(init); // eslint-disable-line no-undef
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
