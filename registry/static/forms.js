// Empty fields are left out of the query, so a filter left blank means "any", not an invalid number.
document.querySelectorAll("form.filters").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("input, select").forEach(function (field) {
      if (field.value === "") { field.disabled = true; }
    });
  });
});
