// Live preview of how the matching engine reads the names typed in the notice form.
// Without JavaScript the "Preview the names" button does the same on the server.
(function () {
  "use strict";
  var script = document.getElementById("preview-script");
  var box = document.getElementById("name-preview");
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!script || !box || !token || !window.fetch) { return; }
  var url = script.getAttribute("data-url");
  var fields = Array.prototype.slice.call(document.querySelectorAll(".name-field input"));
  var timer = null;

  function cell(row, text, dir) {
    var td = document.createElement("td");
    td.textContent = text;
    if (dir) { td.setAttribute("dir", dir); }
    row.appendChild(td);
  }

  function render(results) {
    box.textContent = "";
    results.forEach(function (r) {
      var wrap = document.createElement("div");
      wrap.className = "preview-name";
      var title = document.createElement("p");
      title.className = "preview-text";
      title.setAttribute("dir", "auto");
      title.textContent = r.text;
      wrap.appendChild(title);
      if (r.error) {
        var err = document.createElement("p");
        err.className = "field-errors";
        err.textContent = r.error;
        wrap.appendChild(err);
      } else {
        var table = document.createElement("table");
        table.className = "parts";
        var body = document.createElement("tbody");
        r.parts.forEach(function (p) {
          var tr = document.createElement("tr");
          cell(tr, p.text, "auto");
          cell(tr, p.role_label);
          cell(tr, p.romanisations.join(", "), "ltr");
          body.appendChild(tr);
        });
        table.appendChild(body);
        wrap.appendChild(table);
      }
      box.appendChild(wrap);
    });
  }

  function refresh() {
    var names = fields.map(function (f) { return f.value.trim(); }).filter(Boolean);
    if (!names.length) { box.textContent = ""; return; }
    Promise.all(names.map(function (name) {
      return fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": token.content},
        body: JSON.stringify({name: name})
      }).then(function (resp) { return resp.json(); });
    })).then(render).catch(function () { /* the preview button still works */ });
  }

  fields.forEach(function (f) {
    f.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
  });
})();
