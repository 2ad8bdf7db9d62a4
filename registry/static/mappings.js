// The material-names page: lists a dry-run import's unmapped names, then saves the table as a new version
// with PUT /organisations/{org}/material-mappings (If-Match: the version the page showed).
(function () {
  "use strict";
  var data = document.getElementById("mapping-data");
  var form = document.getElementById("mapping-form");
  var dryRun = document.getElementById("dry-run");
  if (!data || !form || !dryRun || !document.getElementById("token")) { return; }
  var table = JSON.parse(data.textContent);
  var rows = document.getElementById("new-rows");
  var template = document.getElementById("row-template");
  var error = document.getElementById("mapping-error");
  var status = document.getElementById("dry-run-status");
  var token = document.getElementById("token");
  var base = "/organisations/" + encodeURIComponent(table.organisation) + "/material-mappings";

  function say(element, text) { element.textContent = text; element.hidden = false; }
  function detail(response, body) {
    return response.status + ": " + (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail));
  }
  function headers(extra) {
    var h = Object.assign({ "Accept": "application/json" }, extra);
    if (token.value) { h.Authorization = "Bearer " + token.value; }
    return h;
  }
  function addRow(name, volume, elements) {
    var row = template.content.firstElementChild.cloneNode(true);
    row.querySelector("input[name=name]").value = name || "";
    if (volume !== undefined) { row.querySelector(".volume").textContent = volume.toLocaleString("en") + " m\u00b3"; }
    if (elements !== undefined) { row.querySelector(".elements").textContent = String(elements); }
    rows.appendChild(row);
  }

  document.getElementById("add-row").addEventListener("click", function () { addRow(""); });

  dryRun.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = new FormData();
    body.append("file", dryRun.elements.file.files[0]);
    say(status, "importing (dry run)\u2026");
    fetch("/imports/ifc?dry_run=true&mappings=" + encodeURIComponent(table.organisation),
          { method: "POST", headers: headers({}), body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (response.status !== 200) { say(status, detail(response, answer)); return; }
          var names = answer.report.unmapped_names || [];
          names.forEach(function (n) { addRow(n.name, n.volume_m3, n.elements); });
          say(status, names.length + " unmapped name" + (names.length === 1 ? "" : "s") + " listed below.");
        });
      })
      .catch(function (failure) { say(status, String(failure)); });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var merged = {};
    table.mappings.forEach(function (m) { merged[m.name.trim().toLowerCase()] = m; });
    rows.querySelectorAll("tr").forEach(function (row) {
      var name = row.querySelector("input[name=name]");
      var concept = row.querySelector("select[name=concept]");
      if (!name || !concept || !name.value.trim() || !concept.value) { return; }
      merged[name.value.trim().toLowerCase()] = {
        name: name.value.trim(), concept: concept.value, relation: row.querySelector("select[name=relation]").value
      };
    });
    var mappings = Object.keys(merged).map(function (k) { return merged[k]; });
    var etag = "\"" + table.organisation + "-material-mappings-v" + table.version + "\"";
    fetch(base, { method: "PUT", credentials: "same-origin", body: JSON.stringify({ mappings: mappings }),
                  headers: headers({ "Content-Type": "application/json", "If-Match": etag }) })
      .then(function (response) {
        return response.json().then(function (body) {
          if (response.status === 200) { window.location.reload(); return; }
          say(error, detail(response, body));
        });
      })
      .catch(function (failure) { say(error, String(failure)); });
  });
}());
