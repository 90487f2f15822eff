// The scalar graph of lesson 19: the [2, 3, 2] network of lessons 2-6 as a graph of single numbers, its
// backward pass node by node, beside the matrices of the same pass. Every number comes from the JSON the docs
// build wrote (tinynet/teach/scalargraph.py: the graph's own backward pass, and network.trace for the matrices);
// this script only draws it and never computes a gradient. No framework, no network access but the data file.
//
//   <div class="scalargraph" data-src="../../generated/scalargraph/lesson19.json" data-start="a1_0"></div>
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var instances = 0;

  // The digits the page shows, as tinynet.teach.stepthrough.format.fmt writes them.
  function fmt(v) {
    if (v === 0 || Math.abs(v) >= 1e-3) return v.toFixed(4);
    return v.toExponential(2);
  }

  function load(src) {
    var url = new URL(src, document.baseURI).href;
    if (location.protocol === "file:") {
      // a page opened from disk cannot fetch: the build wrote the same data as a script
      return new Promise(function (resolve, reject) {
        var name = url.split("/").pop();
        var script = document.createElement("script");
        script.src = url + ".js";
        script.onload = function () { resolve(window.TINYNET_SCALARGRAPH[name]); };
        script.onerror = function () { reject(new Error("cannot load " + url + ".js")); };
        document.head.appendChild(script);
      });
    }
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.json();
    });
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

  function setup(root) {
    root.setAttribute("data-ready", "loading");
    load(root.getAttribute("data-src")).then(function (data) {
      make(root, data);
    }).catch(function (error) {
      root.setAttribute("data-ready", "error");
      root.textContent = "The scalar graph could not load its data (" + error.message + ").";
      throw error;
    });
  }

  function make(root, data) {
    var id = "sg" + (++instances);
    var nodes = data.nodes; // in the order of the backward pass: node i is step i
    var byId = {};
    nodes.forEach(function (n) { byId[n.id] = n; });
    var bw = data.box[0], bh = data.box[1];
    root.innerHTML = "";

    var box = h("div", { "class": "sg-box", tabindex: "0", role: "group", "aria-roledescription": "scalar graph",
                         "aria-label": "The scalar graph's backward pass, node by node. Left and right arrow keys: " +
                                       "the previous and the next node; Home and End: the first and the last." }, root);
    h("div", { "class": "sg-title", id: id + "-title" }, box, data.title);
    var controls = h("div", { "class": "sg-controls" }, box);
    var back = h("button", { type: "button", "class": "sg-back md-button",
                             "aria-label": "Back: the previous node of the backward pass" }, controls, "◀ Back");
    var counter = h("span", { "class": "sg-counter", "aria-hidden": "true" }, controls);
    var next = h("button", { type: "button", "class": "sg-next md-button md-button--primary",
                             "aria-label": "Next: the next node of the backward pass" }, controls, "Next ▶");
    var pick = h("label", { "for": id + "-node", "class": "sg-picklabel" }, controls, "Node ");
    var select = h("select", { id: id + "-node", "class": "sg-pick", "aria-label": "Choose a node" }, pick);
    nodes.forEach(function (n, i) { h("option", { value: i }, select, (i + 1) + ". " + n.label); });
    var text = h("div", { "class": "sg-text" }, box);
    // where the node's number comes from: its equation with its inputs' values, and tinynet's lines
    var where = h("div", { "class": "sg-where" }, box);

    var scroll = h("div", { "class": "sg-scroll" }, box);
    var svg = s("svg", { viewBox: "0 0 " + data.width + " " + data.height, width: data.width, height: data.height,
                         "class": "sg-svg", role: "img", "aria-labelledby": id + "-title" }, scroll);
    // the drawing's text is 11px in its own units: it never shrinks below 9px (9/11 of its width); the box scrolls
    svg.style.maxWidth = data.width + "px";
    svg.style.minWidth = Math.ceil(data.width * 9 / 11) + "px";
    var marker = s("marker", { id: id + "-arrow", viewBox: "0 0 8 8", refX: "8", refY: "4", markerWidth: "7",
                               markerHeight: "7", orient: "auto-start-reverse" }, s("defs", {}, svg));
    s("path", { d: "M0,0 L8,4 L0,8 z", "class": "sg-arrowhead" }, marker);
    data.headings.forEach(function (t) { s("text", { x: t.x, y: t.y, "class": "sg-heading" }, svg, t.text); });
    var edgeGroup = s("g", { "class": "sg-edges" }, svg);
    var edges = data.edges.map(function (e, i) {
      var line = s("line", { x1: e.x1, y1: e.y1, x2: e.x2, y2: e.y2, "class": "sg-edge", "data-edge": i,
                             "marker-end": "url(#" + id + "-arrow)" }, edgeGroup);
      s("title", {}, line, byId[e.source].label + " → " + byId[e.target].label + ": local derivative " +
        fmt(e.local) + "; going back it carries the share " + fmt(e.share));
      return line;
    });
    var nodeGroup = s("g", { "class": "sg-nodes" }, svg);
    var onTop = s("g", { "class": "sg-ontop" }, svg); // the current node's edges, drawn over the boxes they cross
    var drawn = {};
    nodes.forEach(function (n) {
      var g = s("g", { "class": "sg-node", "data-node": n.id, transform: "translate(" + n.x + "," + n.y + ")" },
                nodeGroup);
      s("title", {}, g, n.text);
      var rect = s("rect", { width: bw, height: bh, rx: 5, "class": "sg-rect" }, g);
      s("text", { x: 5, y: 13, "class": "sg-label" }, g, n.label);
      s("text", { x: bw - 5, y: 13, "class": "sg-op" }, g, n.op);
      s("text", { x: 5, y: 27, "class": "sg-value" }, g, fmt(n.value));
      var grad = s("text", { x: 5, y: 41, "class": "sg-grad" }, g);
      g.addEventListener("click", function () { show(n.step, true); });
      drawn[n.id] = { g: g, rect: rect, grad: grad };
    });

    h("div", { "class": "sg-legend" }, box,
      "Each box: the node, its operation, its value, and ∇ = its gradient ∂C/∂(node) so far. Orange: the node " +
      "whose gradient is complete now; it passes it back along the orange edges to its inputs, and it arrived " +
      "along the blue ones from its users. A dashed box has received some of its shares, not all yet; a blue box " +
      "has them all and waits for its turn.");

    var matrices = h("div", { "class": "sg-matrices" }, box);
    h("div", { "class": "sg-mtitle" }, matrices, "The same pass in matrices (net.trace): an entry appears when " +
      "its node's gradient is complete. Choose an entry to see its node.");
    var mgrid = h("div", { "class": "sg-mgrid" }, matrices);
    var entries = [];
    data.matrices.forEach(function (m) {
      var fig = h("div", { "class": "sg-matrix", "data-matrix": m.id }, mgrid);
      h("div", { "class": "sg-mname" }, fig, m.name);
      var table = h("table", { "class": "sg-table" }, fig);
      var rows = m.shape.length === 1 ? m.shape[0] : m.shape[0];
      var cols = m.shape.length === 1 ? 1 : m.shape[1];
      for (var r = 0; r < rows; r++) {
        var tr = h("tr", {}, table);
        for (var c = 0; c < cols; c++) {
          var k = r * cols + c;
          var b = h("button", { type: "button", "class": "sg-entry", "data-matrix": m.id, "data-k": k,
                                "data-node": m.nodes[k] }, h("td", {}, tr));
          b.addEventListener("click", (function (node) {
            return function () { show(node.step, true); };
          })(byId[m.nodes[k]]));
          entries.push({ button: b, node: byId[m.nodes[k]], value: m.values[k], label: m.labels[k] });
        }
      }
    });
    var live = h("div", { "class": "sg-live", "aria-live": "polite", "aria-atomic": "true" }, box);
    var current = 0;

    function gradAt(n, step) {
      var g = null;
      n.grads.forEach(function (u) { if (u[0] <= step) g = u[1]; });
      return g;
    }

    function show(i, announce) {
      current = Math.max(0, Math.min(nodes.length - 1, i));
      var cur = nodes[current];
      root.setAttribute("data-step", current);
      root.setAttribute("data-node", cur.id);
      back.disabled = current === 0;
      next.disabled = current === nodes.length - 1;
      counter.textContent = "Node " + (current + 1) + " of " + nodes.length;
      select.value = String(current);
      text.textContent = cur.text;
      where.innerHTML = "";
      h("div", { "class": "sg-whyeq" }, where, cur.eq);
      cur.code.forEach(function (line) {
        var row = h("div", { "class": "sg-codeline" }, where);
        h("span", { "class": "sg-file" }, row, line.file + ":" + line.line + " (" + line.where + ")");
        h("code", {}, row, line.text);
      });
      nodes.forEach(function (n) {
        var d = drawn[n.id];
        var g = gradAt(n, current);
        var last = n.grads[n.grads.length - 1][0]; // the step that brought its last share
        var state = n.step < current ? "sg-done" : n.step === current ? "sg-cur" :
          last <= current ? "sg-ready" : g !== null ? "sg-partial" : "sg-todo";
        d.g.setAttribute("class", "sg-node " + state + (cur.ops.indexOf(n.id) >= 0 ? " sg-operand" : ""));
        d.grad.textContent = "∇ " + (g === null ? "·" : fmt(g));
        d.grad.setAttribute("data-grad", g === null ? "" : g);
        if (n.step === current) d.g.setAttribute("aria-current", "true"); else d.g.removeAttribute("aria-current");
      });
      onTop.innerHTML = "";
      data.edges.forEach(function (e, k) {
        var cls = "sg-edge";
        if (e.target === cur.id) cls += " sg-pass"; // the current node passes its gradient back along these
        else if (e.source === cur.id) cls += " sg-got"; // ... which arrived along these
        else if (e.step < current) cls += " sg-used";
        edges[k].setAttribute("class", cls);
        if (e.target === cur.id || e.source === cur.id) {
          s("line", { x1: e.x1, y1: e.y1, x2: e.x2, y2: e.y2, "class": cls + " sg-edge-top" }, onTop);
        }
      });
      entries.forEach(function (en) {
        var reached = en.node.step <= current;
        en.button.textContent = reached ? fmt(en.value) : "·";
        var cls = "sg-entry" + (reached ? (en.value > 0 ? " sg-pos" : en.value < 0 ? " sg-neg" : "") : " sg-later");
        if (en.node === cur) cls += " sg-hl";
        en.button.setAttribute("class", cls);
        en.button.setAttribute("aria-label", en.label + (reached ? " = " + fmt(en.value) : ", not reached yet") +
                               ": node " + en.node.label);
        if (en.node === cur) en.button.setAttribute("aria-current", "true");
        else en.button.removeAttribute("aria-current");
      });
      follow(drawn[cur.id].g);
      if (announce) {
        var en = entries.filter(function (x) { return x.node === cur; })[0];
        live.textContent = "Node " + (current + 1) + " of " + nodes.length + ": " + cur.label + " = " +
          fmt(cur.value) + ", gradient " + fmt(cur.grad) + (en ? ", the matrix entry " + en.label : "") + ".";
      }
    }

    // Keep the current node in view inside the scrolling box (the page itself does not move).
    function follow(g) {
      var a = g.getBoundingClientRect(), b = scroll.getBoundingClientRect();
      if (!a.width) return;
      if (a.left < b.left + 8 || a.right > b.right - 8) {
        scroll.scrollLeft += (a.left + a.right) / 2 - (b.left + b.right) / 2;
      }
      if (a.top < b.top || a.bottom > b.bottom) {
        scroll.scrollTop += (a.top + a.bottom) / 2 - (b.top + b.bottom) / 2;
      }
    }

    back.addEventListener("click", function () { show(current - 1, true); });
    next.addEventListener("click", function () { show(current + 1, true); });
    select.addEventListener("change", function () { show(+select.value, true); });
    box.addEventListener("keydown", function (event) {
      if (event.target === select) return; // the list's own arrow keys choose in it
      var to = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: nodes.length - 1 }[event.key];
      if (to === undefined || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      show(to, true);
    });
    var start = byId[root.getAttribute("data-start")];
    show(start ? start.step : 0, false);
    root.setAttribute("data-ready", "1");
  }

  function init() {
    document.querySelectorAll(".scalargraph:not([data-ready])").forEach(setup);
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
