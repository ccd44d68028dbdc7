// Training page: a lightbox for artifact thumbnails (click to enlarge, Esc or click to close).
// Plain event delegation: the gallery is re-rendered by Dash, so listeners live on document.
(function () {
  "use strict";

  function close() {
    var box = document.getElementById("train-lightbox");
    if (box) { box.remove(); }
  }

  function open(img) {
    close();
    var box = document.createElement("div");
    box.id = "train-lightbox";
    box.className = "dashapp-lightbox";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", img.alt || "artifact");
    var big = document.createElement("img");
    big.id = "train-lightbox-img";
    big.src = img.src;
    big.alt = img.alt || "";
    var bar = document.createElement("div");
    bar.className = "dashapp-lightbox-bar";
    var link = document.createElement("a");
    link.href = img.getAttribute("data-download") || img.src;
    link.className = "btn btn-light btn-sm";
    link.textContent = "Download";
    var shut = document.createElement("button");
    shut.className = "btn btn-outline-light btn-sm";
    shut.textContent = "Close";
    shut.addEventListener("click", close);
    bar.appendChild(document.createTextNode(img.alt || ""));
    bar.appendChild(link);
    bar.appendChild(shut);
    box.appendChild(big);
    box.appendChild(bar);
    box.addEventListener("click", function (event) { if (event.target === box) { close(); } });
    document.body.appendChild(box);
    shut.focus();
  }

  document.addEventListener("click", function (event) {
    var img = event.target.closest && event.target.closest("img.dashapp-thumb");
    if (img) { event.preventDefault(); open(img); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { close(); }
  });
})();
