// Render the math that pymdownx.arithmatex leaves as \( ... \) and \[ ... \],
// on every page Material loads (document$ fires on instant navigation too).
document$.subscribe(function () {
  renderMathInElement(document.body, {
    delimiters: [
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
    ],
    throwOnError: false,
  });
});
