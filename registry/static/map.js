// Supply markers on a Leaflet map, clustered. Works offline: the tile layer is optional (MPR_MAP_TILES).
(function () {
  "use strict";
  var holder = document.getElementById("map");
  var data = document.getElementById("map-data");
  if (!holder || !data || !window.L) { return; }
  var points = JSON.parse(data.textContent);
  // maxZoom on the map itself: without a tile layer nothing else sets it, and clustering needs it.
  var map = L.map(holder, { scrollWheelZoom: false, maxZoom: 19 });
  var tiles = holder.getAttribute("data-tiles");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: holder.getAttribute("data-attribution") || "" }).addTo(map);
  }
  var cluster = L.markerClusterGroup();
  var bounds = [];
  points.forEach(function (p) {
    var marker = L.marker([p.lat, p.lon], { title: p.title });
    var popup = document.createElement("div");
    var link = document.createElement("a");
    link.href = p.href;
    link.textContent = p.title;
    popup.appendChild(link);
    popup.appendChild(document.createTextNode(p.detail ? " · " + p.detail : ""));
    marker.bindPopup(popup);
    cluster.addLayer(marker);
    bounds.push([p.lat, p.lon]);
  });
  map.addLayer(cluster);
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
  } else {
    map.setView([52.2, 5.3], 7);  // the Netherlands, where the examples are
  }
  var centre = document.getElementById("use-map-centre");
  if (centre) {
    centre.addEventListener("click", function () {
      var c = map.getCenter();
      document.querySelector("input[name=lon]").value = c.lng.toFixed(4);
      document.querySelector("input[name=lat]").value = c.lat.toFixed(4);
    });
  }
  holder.setAttribute("data-markers", String(points.length));
}());
