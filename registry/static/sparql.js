// YASGUI pointed at this registry's /sparql. Offline: the class and property autocompleters ask an
// outside service (LOV) and are switched off; prefixes and variables complete from what the page has.
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  if (!holder || !window.Yasgui) { return; }
  var config = JSON.parse(document.getElementById("sparql-config").textContent);
  Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter(function (name) {
    return name !== "class" && name !== "property";
  });
  Yasgui.defaults.requestConfig.endpoint = config.endpoint;
  Yasgui.defaults.requestConfig.method = "POST";
  Yasgui.Yasqe.defaults.value = config.query;
  window.registryYasgui = new Yasgui(holder, {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; } },
    persistenceId: null
  });
}());
