// The demand form: sends the JSON demand of POST /demands, then opens its ranked matches.
(function () {
  "use strict";
  var form = document.getElementById("demand");
  var error = document.getElementById("demand-error");
  if (!form) { return; }
  function number(name) { return Number(form.elements[name].value); }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var demand = {
      label: form.elements.label.value,
      wants: form.elements.wants.value,
      quantity: { value: number("quantity"), unit: form.elements.unit.value },
      location: { lon: number("lon"), lat: number("lat") }
    };
    if (form.elements.radiusKm.value) { demand.radiusKm = number("radiusKm"); }
    if (form.elements.neededBy.value) { demand.neededBy = form.elements.neededBy.value; }
    if (form.elements.condition.value) { demand.condition = form.elements.condition.value; }
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (form.elements.token.value) { headers.Authorization = "Bearer " + form.elements.token.value; }
    fetch("/demands", { method: "POST", headers: headers, body: JSON.stringify(demand), credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) {
          if (response.status === 201) {
            window.location.assign("/demands/" + encodeURIComponent(body.id) + "/matches");
            return;
          }
          error.textContent = response.status + ": " + (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail));
          error.hidden = false;
        });
      })
      .catch(function (failure) { error.textContent = String(failure); error.hidden = false; });
  });
}());
