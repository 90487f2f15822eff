// The step-through and the "nudge a weight" plot: one forward and backward pass of a tinynet network,
// step by step. Every number comes from the JSON the docs build wrote (tinynet/teach/stepthrough/, from
// network.trace and cost_of); this script only draws it. No framework, no network access but the data file.
//
//   <div class="stepthrough" data-src="../../generated/stepthrough/lesson2.json" data-start="cost"></div>
//   <div class="nudge" data-src="../../generated/stepthrough/lesson2.json" data-param="W2_11"></div>
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var BIG = 2000; // a map of more cells than this is drawn on a canvas, not one rectangle a cell
  var TABLE = 400; // a part of more numbers than this is not written out in the table (the drawing has them)
  var loads = {};
  var instances = 0;

  // The digits the page shows (tinynet.teach.stepthrough.fmt writes the same).
  function fmt(v) {
    if (v === 0 || Math.abs(v) >= 1e-3) return v.toFixed(4);
    return v.toExponential(2);
  }

  function load(src) {
    var url = new URL(src, document.baseURI).href;
    var inline = window.TINYNET_STEPTHROUGH && window.TINYNET_STEPTHROUGH[src];
    if (inline) return Promise.resolve(inline); // a page written by `tinynet stepthrough` holds its data
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
    if (svg) return s("tspan", attrs, parent, fmt(value));
    attrs.tabindex = "0";
    attrs.role = "button";
    attrs["aria-label"] = fmt(value) + ": where it comes from";
    return h("span", attrs, parent, fmt(value));
  }

  // The index of flat entry k in an array of this shape (row-major, as NumPy stores it).
  function unravel(k, shape) {
    var idx = [];
    for (var d = shape.length - 1; d >= 0; d--) {
      idx.unshift(k % shape[d]);
      k = Math.floor(k / shape[d]);
    }
    return idx;
  }

  function plain(html) {
    var div = document.createElement("div");
    div.innerHTML = html;
    return div.textContent;
  }

  function renderTex(node, tex, mathml) {
    node.setAttribute("data-tex", tex);
    if (window.katex) {
      try {
        window.katex.render(tex, node, { displayMode: true, throwOnError: false });
        return;
      } catch (e) { /* fall through */ }
    }
    if (mathml) { node.innerHTML = mathml; return; } // a page written by `tinynet stepthrough` (no KaTeX there)
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
      var g = s("g", { "class": "st-map", "data-map": m.id }, maps);
      var ch = m.cellh || m.cell;
      var map = { spec: m, cells: null, ch: ch, owner: null };
      if (m.rows * m.cols > BIG) {
        // thousands of cells (a weight matrix of a digits network): one canvas pixel a cell, scaled
        var fo = s("foreignObject", { x: m.x, y: m.y, width: m.cols * m.cell, height: m.rows * ch }, g);
        var canvas = document.createElement("canvas");
        canvas.width = m.cols; canvas.height = m.rows;
        canvas.className = "st-canvas";
        canvas.style.width = "100%"; canvas.style.height = "100%";
        fo.appendChild(canvas);
        map.canvas = canvas;
        canvas.addEventListener("click", function (event) {
          var box = canvas.getBoundingClientRect();
          var c = Math.floor((event.clientX - box.left) / box.width * m.cols);
          var r = Math.floor((event.clientY - box.top) / box.height * m.rows);
          if (map.owner) refs.choose(map.owner.si, map.owner.pi, map.owner.base + r * m.cols + c);
        });
      } else {
        map.cells = [];
        for (var r = 0; r < m.rows; r++) {
          for (var c = 0; c < m.cols; c++) {
            var rect = s("rect", { x: m.x + c * m.cell, y: m.y + r * ch, width: m.cell, height: ch,
                                   "class": "st-cell" }, g);
            s("title", {}, rect, "");
            map.cells.push(rect);
          }
        }
      }
      s("rect", { x: m.x, y: m.y, width: m.cols * m.cell, height: m.rows * ch, "class": "st-mapframe" }, g);
      refs.maps[m.id] = map;
    });
    var units = s("g", { "class": "st-units" }, svg);
    scene.units.forEach(function (u) {
      var g = s("g", { "class": "st-unit" }, units);
      var circle = s("circle", { cx: u.x, cy: u.y, r: u.r, "class": "st-circle" }, g);
      s("text", { x: u.x, y: u.y + 4, "class": "st-unitlabel" }, g, u.label);
      var slots = scene.slots.map(function (_, i) {
        return s("text", { x: u.x + u.r + 5, y: scene.compact ? u.y + 4 : u.y - 22 + 13 * i, "class": "st-slot" }, g);
      });
      refs.units[u.id] = { circle: circle, slots: slots, spec: u };
    });
    scene.texts.forEach(function (t) {
      var node = s("text", { x: t.x, y: t.y, "class": "st-text " + (t.cls || "") }, svg, t.id ? "" : t.text);
      if (t.id) refs.texts[t.id] = { node: node, spec: t };
    });
    refs.edgeLabels = s("g", { "class": "st-edgelabels" }, svg);
    refs.marks = s("g", { "class": "st-marks" }, svg);
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
    var why = h("div", { "class": "st-why" }, box);
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
      unlight();
      draw(current);
      renderTex(eq, st.tex, st.mathml);
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
      why.innerHTML = "";
      why.removeAttribute("data-chosen");
      h("div", { "class": "st-whyhint" }, why, "Choose a number (in the drawing or the table) to see where it comes from.");
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
        var map = refs.maps[m];
        if (map.cells) {
          map.cells.forEach(function (cell) {
            cell.setAttribute("class", "st-cell");
            cell.setAttribute("fill", "none");
            cell.removeAttribute("data-step");
            cell.firstChild.textContent = "";
          });
        } else {
          map.canvas.getContext("2d").clearRect(0, 0, map.canvas.width, map.canvas.height);
        }
        map.owner = null;
      }
      for (t in refs.texts) { refs.texts[t].node.textContent = ""; }
      for (var e in refs.edges) refs.edges[e].line.setAttribute("class", refs.edges[e].line.getAttribute("class")
        .replace(/ st-hl/g, ""));
      refs.edgeLabels.innerHTML = "";
      refs.marks.innerHTML = "";
      var masks = {};
      for (var si = 0; si <= upto; si++) {
        steps[si].parts.forEach(function (p, pi) { apply(p, si, pi, si === upto, masks); });
      }
      for (m in masks) {
        masks[m].forEach(function (on, k) {
          if (on) mark(m, k, "st-maskcell");
        });
      }
      var hl = steps[upto].highlight || {};
      (hl.edges || []).forEach(function (e) {
        refs.edges[e].line.setAttribute("class", refs.edges[e].line.getAttribute("class") + " st-hl");
      });
      for (m in hl.cells || {}) {
        hl.cells[m].forEach(function (k) { mark(m, k, "st-focus"); });
      }
      uncrowd();
    }

    // Edges that cross near their labels (a Hamiltonian's K and Kᵀ) would pile their numbers on one spot:
    // a label that would cover one already placed is left out (the table below has every number).
    function uncrowd() {
      var kept = [];
      refs.edgeLabels.querySelectorAll("text.st-edgelabel:not(.st-label)").forEach(function (t) {
        var b = t.getBBox();
        var hit = kept.some(function (k) {
          return b.x < k.x + k.width && k.x < b.x + b.width && b.y < k.y + k.height && k.y < b.y + b.height;
        });
        if (hit) t.classList.add("st-crowded"); else kept.push(b);
      });
    }

    // A frame around cell k of map m (a rectangle of its own, so canvas maps get one too).
    function mark(m, k, cls) {
      var map = refs.maps[m], spec = map.spec;
      var r = Math.floor(k / spec.cols), c = k % spec.cols;
      if (map.cells) map.cells[k].classList.add(cls); // the cell itself says so too (its value is on it)
      return s("rect", { x: spec.x + c * spec.cell, y: spec.y + r * map.ch, width: spec.cell, height: map.ch,
                         "class": "st-mark " + cls.replace("st-", "st-mark-") }, refs.marks);
    }

    function apply(p, si, pi, isCurrent, masks) {
      var target = p.target;
      if (target.type === "units") {
        target.ids.forEach(function (uid, k) {
          var unit = refs.units[uid];
          var slot = unit.slots[target.slot];
          if (data.scene.compact) unit.slots.forEach(function (other) { other.textContent = ""; other.removeAttribute("data-cur"); });
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
      } else if (target.type === "edges" && isCurrent && p.panel) {
        target.ids.forEach(function (eid, k) {
          var edge = refs.edges[eid];
          edge.line.setAttribute("class", edge.line.getAttribute("class") + " st-hl");
          var x = edge.a.x + 0.72 * (edge.b.x - edge.a.x), y = edge.a.y + 0.72 * (edge.b.y - edge.a.y);
          var label = s("text", { x: x, y: y - 2, "class": "st-edgelabel" }, refs.edgeLabels);
          num(p.values[k], si, pi, k, label, true);
        });
      } else if (target.type === "maps") {
        var scale = p.values.reduce(function (most, v) { return Math.max(most, Math.abs(v)); }, 0);
        var k = 0;
        target.ids.forEach(function (mid) {
          var map = refs.maps[mid];
          map.owner = { si: si, pi: pi, base: k };
          if (map.cells) {
            map.cells.forEach(function (cell) {
              var v = p.values[k];
              cell.setAttribute("fill", colour(v, scale));
              cell.setAttribute("data-value", v);
              cell.setAttribute("data-step", si);
              cell.setAttribute("data-part", pi);
              cell.setAttribute("data-k", k);
              cell.firstChild.textContent = plain(p.name) + ": " + fmt(v);
              cell.setAttribute("class", isCurrent ? "st-cell st-cur" : "st-cell");
              k++;
            });
          } else {
            var ctx = map.canvas.getContext("2d");
            var image = ctx.createImageData(map.spec.cols, map.spec.rows);
            for (var i = 0; i < map.spec.rows * map.spec.cols; i++, k++) {
              var rgb = colour(p.values[k], scale).slice(4, -1).split(",");
              image.data.set([+rgb[0], +rgb[1], +rgb[2], 255], 4 * i);
            }
            ctx.putImageData(image, 0, 0);
            map.canvas.setAttribute("data-step", si);
            map.canvas.setAttribute("data-part", pi);
            map.canvas.setAttribute("aria-label", plain(p.name) + ": a heat map of " + map.spec.rows + " by " +
                                    map.spec.cols + " numbers; choose a cell to see its value");
          }
        });
        if (isCurrent && p.labels) labelLargest(p, si, pi, target);
      } else if (target.type === "mask") {
        var j = 0;
        target.ids.forEach(function (mid) {
          masks[mid] = refs.maps[mid].cells.map(function () { return p.values[j++] === 1; });
        });
      }
    }

    // The largest entries of a part drawn on a strip or map, labelled beside their cells (kept apart).
    function labelLargest(p, si, pi, target) {
      var placed = p.labels.map(function (k) {
        var first = refs.maps[target.ids[0]].spec;
        var per = first.rows * first.cols;
        var map = refs.maps[target.ids[Math.floor(k / per)]], spec = map.spec, kk = k % per;
        var r = Math.floor(kk / spec.cols), c = kk % spec.cols;
        return { k: k, spec: spec, ch: map.ch, r: r, c: c, y: spec.y + (r + 0.5) * map.ch };
      }).sort(function (a, b) { return a.y - b.y; });
      var last = -Infinity;
      placed.forEach(function (at) {
        var x = at.spec.x + at.spec.cols * at.spec.cell;
        var y = Math.max(at.y, last + 13);
        last = y;
        s("line", { x1: at.spec.x + (at.c + 1) * at.spec.cell, y1: at.y, x2: x + 8, y2: y, "class": "st-leader" }, refs.edgeLabels);
        var label = s("text", { x: x + 10, y: y + 4, "class": "st-edgelabel st-label" }, refs.edgeLabels);
        s("tspan", { "class": "st-sym" }, label, p.sym + "[" + unravel(at.k, p.shape).join(",") + "] ");
        num(p.values[at.k], si, pi, at.k, label, true);
      });
    }

    function panel(st, si) {
      values.innerHTML = "";
      st.parts.forEach(function (p, pi) {
        if (!p.panel) return;
        var box = h("div", { "class": "st-part" }, values);
        var name = h("div", { "class": "st-partname" }, box);
        name.innerHTML = p.name;
        var shape = p.shape;
        if (p.values.length > TABLE) {
          // thousands of numbers are the drawing's; the table names the largest, and any can be chosen there
          h("div", { "class": "st-many" }, box, p.values.length + " numbers (" + shape.join(" × ") + "), drawn above" +
            (p.labels ? "; the largest:" : "; choose a cell of the heat map for any one of them"));
          (p.labels || []).forEach(function (k) {
            var row = h("div", { "class": "st-largest" }, box);
            h("span", { "class": "st-sym" }, row, "[" + unravel(k, shape).join(",") + "] ");
            num(p.values[k], si, pi, k, row);
          });
          return;
        }
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

    // --- where a number comes from ---------------------------------------------------------------------------
    var stepIndex = {};
    steps.forEach(function (st, i) { stepIndex[st.id] = i; });

    function value(ref) { return steps[stepIndex[ref[0]]].parts[ref[1]].values[ref[2]]; }

    // The equation of entry k of part pi of step si, its operands [step id, part, k], and its code lines.
    function explain(si, pi, k) {
      var st = steps[si], p = st.parts[pi], w = p.why;
      var idx = unravel(k, p.shape), ops, html;
      if (w.rule === "each") {
        html = w.entries[k][0];
        ops = w.entries[k][1];
      } else {
        ops = (w.ops || []).map(function (op, m) {
          var at = w.rule === "outer" ? idx[idx.length - 2 + (m === 0 ? 0 : 1)] : k;
          return [op[0], op[1], at];
        });
        html = w.eq.replace(/\{(=|i\d*|\d+)\}/g, function (_, key) {
          if (key === "=") return fmt(p.values[k]);
          if (key === "i") return idx.join(",");
          if (key[0] === "i") return String(idx[+key.slice(1)]);
          var v = value(ops[+key]);
          return v < 0 ? "(" + fmt(v) + ")" : fmt(v);
        });
      }
      return { html: html, ops: ops, code: w.code.map(function (c) { return st.code[c]; }), name: p.name, idx: idx };
    }

    function light(si, pi, k, cls) {
      root.querySelectorAll('.st-num[data-step="' + si + '"][data-part="' + pi + '"][data-k="' + k + '"]')
        .forEach(function (node) { node.classList.add(cls); });
      var target = steps[si].parts[pi].target;
      if (target.type === "units" && target.ids[k]) refs.units[target.ids[k]].circle.classList.add(cls);
      else if (target.type === "edges" && target.ids[k]) refs.edges[target.ids[k]].line.classList.add(cls);
      else if (target.type === "texts" && target.ids[k]) refs.texts[target.ids[k]].node.classList.add(cls);
      else if (target.type === "maps") {
        var first = refs.maps[target.ids[0]].spec, per = first.rows * first.cols;
        var mid = target.ids[Math.floor(k / per)];
        mark(mid, k % per, cls).classList.add("st-chosenmark"); // the place (a unit, a pixel), whatever it shows now
      }
    }

    function unlight() {
      root.querySelectorAll(".st-op, .st-chosen").forEach(function (node) {
        node.classList.remove("st-op");
        node.classList.remove("st-chosen");
      });
      root.querySelectorAll(".st-chosenmark").forEach(function (node) { node.remove(); });
    }

    function choose(si, pi, k) {
      var p = steps[si].parts[pi];
      if (!p || !p.why || k < 0 || k >= p.values.length) return;
      var e = explain(si, pi, k);
      unlight();
      e.ops.forEach(function (ref) { light(stepIndex[ref[0]], ref[1], ref[2], "st-op"); });
      light(si, pi, k, "st-chosen");
      why.innerHTML = "";
      why.setAttribute("data-chosen", si + "," + pi + "," + k);
      var head = h("div", { "class": "st-whyhead" }, why);
      head.innerHTML = "Where " + e.name + (e.idx.length ? "<sub>" + e.idx.join(",") + "</sub>" : "") +
        " = " + fmt(p.values[k]) + " comes from";
      var eqn = h("div", { "class": "st-whyeq" }, why);
      eqn.innerHTML = e.html;
      why.setAttribute("data-ops", JSON.stringify(e.ops));
      e.code.forEach(function (line) {
        var row = h("div", { "class": "st-codeline" }, why);
        h("span", { "class": "st-where" }, row, line.file + ":" + line.line + " (" + line.where + ")");
        h("code", {}, row, line.text);
      });
      if (e.ops.length) h("div", { "class": "st-whynote" }, why, "Its operands are outlined in the drawing and the table.");
      live.textContent = plain(head.innerHTML) + ": " + plain(e.html);
    }
    refs.choose = choose;

    box.addEventListener("click", function (event) {
      var node = event.target.closest && event.target.closest("[data-step][data-k]");
      if (node && box.contains(node)) choose(+node.getAttribute("data-step"), +node.getAttribute("data-part"), +node.getAttribute("data-k"));
    });
    values.addEventListener("keydown", function (event) {
      var node = event.target;
      if ((event.key === "Enter" || event.key === " ") && node.classList.contains("st-num")) {
        event.preventDefault();
        event.stopPropagation();
        choose(+node.getAttribute("data-step"), +node.getAttribute("data-part"), +node.getAttribute("data-k"));
      }
    });

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
