/* The division map page: cameras, cones, divisions and incidents, driven by the console.
 *
 * Everything that comes from the registry (camera names, owners, division names) is data:
 * it is only ever put into the page with textContent or as DOM nodes, never as HTML.
 * The console pushes data with RtccMap.* calls; the page reports intent through the
 * QWebChannel object "bridge".
 */
"use strict";

var RtccMap = (function () {
  var OWNER_FILL = { public_agency: "#4da3ff", business: "#ffb347", resident: "#7ed957" };
  var TERMS_STROKE = { live_and_recorded: "#ffffff", recorded_on_request: "#a9b0bb", registered_only: "#4a4f57" };
  var LABEL = {
    public_agency: "Public agency", business: "Business", resident: "Resident",
    live_and_recorded: "Live + recorded", recorded_on_request: "Recorded on request",
    registered_only: "Registered only", live: "Live", offline: "Offline", revoked: "Consent revoked",
  };
  var CONE_MIN_ZOOM = 15;
  var CONE_LIMIT = 4000;

  var map = null;
  var bridge = null;
  var renderer = null;
  var cluster = null;
  var coneLayer = null;
  var divisionLayer = null;
  var incidentLayer = null;

  // A label goes on the side of its point with room for it: to the right, unless that would run
  // past the map's right edge (it was cut at the dock's edge), then to the left.
  function sideFor(latlng, width) {
    return map.latLngToContainerPoint(latlng).x + (width || 260) + 24 > map.getSize().x ? "left" : "right";
  }

  function placeLabels() {
    var marks = incidentLayer ? incidentLayer.getLayers() : [];
    if (gotoMarker && map.hasLayer(gotoMarker)) marks = marks.concat([gotoMarker]);
    marks.forEach(function (layer) {
      var tip = layer.getTooltip && layer.getTooltip();
      if (!tip) return;
      var shown = tip.getElement && tip.getElement();
      var side = sideFor(layer.getLatLng(), shown ? shown.offsetWidth : 0);
      if (tip.options.direction !== side) {
        tip.options.direction = side;
        layer.closeTooltip();
        layer.openTooltip();
      }
    });
  }
  var highlight = null;
  var dragChip = null;
  var gotoMarker = null;
  var menu = null;
  var cameras = new Map(); // id -> {data, marker}
  var filter = { publicCams: true, privateCams: true, liveOnly: false, cones: true };
  var reportLoaded = false; // tell the console once the clusterer has taken every marker

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function styleFor(c) {
    var style = {
      renderer: renderer, radius: 6, weight: 2, opacity: 1, fillOpacity: 0.9,
      color: TERMS_STROKE[c.terms] || "#ffffff", fillColor: OWNER_FILL[c.owner_type] || "#cccccc",
      dashArray: null,
    };
    if (c.state === "offline") {
      style.fillColor = "#6b6f76";
      style.color = "#e05d5d";
    } else if (c.state === "revoked") {
      style.fillOpacity = 0.15;
      style.color = "#ff8c1a";
      style.weight = 2.5;
    }
    return style;
  }

  function tooltipFor(c) {
    var box = el("div", "rtcc-tip");
    box.appendChild(el("div", "rtcc-tip-name", c.name));
    box.appendChild(el("div", "rtcc-tip-owner", c.owner + " · " + (LABEL[c.owner_type] || c.owner_type)));
    box.appendChild(el("div", "rtcc-tip-terms", (LABEL[c.terms] || c.terms) + " · " + (LABEL[c.state] || c.state)));
    return box;
  }

  function visible(c) {
    var isPublic = c.owner_type === "public_agency";
    if (isPublic && !filter.publicCams) return false;
    if (!isPublic && !filter.privateCams) return false;
    if (filter.liveOnly && !(c.terms === "live_and_recorded" && c.state === "live")) return false;
    return true;
  }

  function makeMarker(c) {
    var marker = L.circleMarker([c.lat, c.lon], styleFor(c));
    // CircleMarker drops unknown options, so the id lives on the object itself.
    marker.cameraId = c.id;
    marker.bindTooltip(function () { return tooltipFor(cameras.get(c.id).data); }, { direction: "top", offset: [0, -6] });
    marker.on("click", function (e) {
      L.DomEvent.stop(e);
      select(c.id, false);
      if (bridge) bridge.cameraClicked(c.id);
    });
    marker.on("dblclick", function (e) {
      L.DomEvent.stop(e);
      if (bridge) bridge.cameraActivated(c.id);
    });
    marker.on("contextmenu", function (e) {
      L.DomEvent.stop(e);
      showMenu(e.containerPoint, [
        ["Open on video wall", function () { if (bridge) bridge.cameraActivated(c.id); }],
        ["Select in camera list", function () { select(c.id, false); if (bridge) bridge.cameraClicked(c.id); }],
      ], c.name);
    });
    return marker;
  }

  function destination(lat, lon, bearingDeg, metres) {
    var R = 6371008.8, d = metres / R, b = bearingDeg * Math.PI / 180;
    var p1 = lat * Math.PI / 180, l1 = lon * Math.PI / 180;
    var p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
    var l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
    return [p2 * 180 / Math.PI, l2 * 180 / Math.PI];
  }

  function conePoints(c) {
    var pts = [[c.lat, c.lon]];
    var fov = Math.min(c.fov, 359.9), start = c.heading - fov / 2, steps = Math.max(4, Math.ceil(fov / 10));
    for (var i = 0; i <= steps; i++) pts.push(destination(c.lat, c.lon, start + (fov * i) / steps, c.range));
    return pts;
  }

  function drawCones() {
    coneLayer.clearLayers();
    if (!filter.cones || map.getZoom() < CONE_MIN_ZOOM) return;
    var bounds = map.getBounds().pad(0.2), drawn = 0;
    cameras.forEach(function (entry) {
      var c = entry.data;
      if (drawn >= CONE_LIMIT || !visible(c) || !bounds.contains([c.lat, c.lon])) return;
      var color = c.state === "offline" ? "#6b6f76" : OWNER_FILL[c.owner_type] || "#cccccc";
      L.polygon(conePoints(c), {
        renderer: renderer, color: color, weight: 1, opacity: 0.6, fillColor: color,
        fillOpacity: c.state === "revoked" ? 0.05 : 0.18, interactive: false,
      }).addTo(coneLayer);
      drawn++;
    });
  }

  function rebuildCluster() {
    var layers = [];
    cameras.forEach(function (entry) { if (visible(entry.data)) layers.push(entry.marker); });
    cluster.clearLayers();
    cluster.addLayers(layers);
    drawCones();
    return layers.length;
  }

  function hideMenu() {
    if (menu) { menu.remove(); menu = null; }
  }

  function showMenu(point, items, title) {
    hideMenu();
    menu = el("div", "rtcc-menu");
    if (title) menu.appendChild(el("div", "rtcc-menu-title", title));
    items.forEach(function (item) {
      var button = el("button", "rtcc-menu-item", item[0]);
      button.addEventListener("click", function (ev) { ev.stopPropagation(); hideMenu(); item[1](); });
      menu.appendChild(button);
    });
    menu.style.left = point.x + "px";
    menu.style.top = point.y + "px";
    map.getContainer().appendChild(menu);
    L.DomEvent.disableClickPropagation(menu);
  }

  // The selected camera as a chip the operator can drag onto a wall tile. QtWebEngine passes an
  // HTML5 drag to Qt widgets as plain text only, so the console reads "rtcc-camera:<id>".
  function showDragChip(c) {
    if (!dragChip) {
      var control = L.control({ position: "topleft" });
      control.onAdd = function () {
        var box = el("div", "rtcc-drag");
        box.draggable = true;
        box.title = "Drag onto a wall tile to show this camera there";
        box.addEventListener("dragstart", function (ev) {
          ev.dataTransfer.setData("text/plain", "rtcc-camera:" + box.dataset.cameraId);
          ev.dataTransfer.effectAllowed = "copy";
        });
        L.DomEvent.disableClickPropagation(box);
        return box;
      };
      control.addTo(map);
      dragChip = control.getContainer();
    }
    dragChip.dataset.cameraId = String(c.id);
    dragChip.textContent = "\u283F " + c.name + " \u2014 drag onto a tile";
    dragChip.style.display = "";
  }

  function select(id, fly) {
    var entry = cameras.get(id);
    if (!entry) return false;
    showDragChip(entry.data);
    var ll = L.latLng(entry.data.lat, entry.data.lon);
    if (!highlight) {
      highlight = L.circleMarker(ll, { radius: 14, weight: 3, color: "#ffe14d", fill: false, interactive: false });
    }
    highlight.setLatLng(ll).addTo(map);
    if (fly) {
      // No animation: the operator needs the camera now, and animations stall in a hidden view.
      map.setView(ll, Math.max(map.getZoom(), 16), { animate: false });
    } else if (!map.getBounds().contains(ll)) {
      map.panTo(ll, { animate: false });
    }
    return true;
  }

  function addLegend(anyApproximate) {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = el("div", "rtcc-legend");
      [["public_agency", "Public agency"], ["business", "Business"], ["resident", "Resident"]].forEach(function (row) {
        var line = el("div", "rtcc-legend-row");
        var dot = el("span", "rtcc-dot");
        dot.style.background = OWNER_FILL[row[0]];
        line.appendChild(dot);
        line.appendChild(el("span", null, row[1]));
        box.appendChild(line);
      });
      [["#ffffff", "Live + recorded"], ["#a9b0bb", "Recorded on request"], ["#4a4f57", "Registered only"],
       ["#e05d5d", "Offline"], ["#ff8c1a", "Consent revoked"]].forEach(function (row) {
        var line = el("div", "rtcc-legend-row");
        var ring = el("span", row[1] === "Live + recorded" ? "rtcc-ring rtcc-ring-live" : "rtcc-ring");
        ring.style.borderColor = row[0];
        line.appendChild(ring);
        line.appendChild(el("span", null, row[1]));
        box.appendChild(line);
      });
      box.appendChild(el("div", "rtcc-legend-note", "Cones from zoom " + CONE_MIN_ZOOM));
      box.appendChild(el("div", "rtcc-legend-note rtcc-approx", ""));
      return box;
    };
    legend.addTo(map);
  }

  return {
    start: function (leafletMap, config) {
      map = leafletMap;
      map.setMaxZoom(config.maxZoom || 19);
      renderer = L.canvas({ padding: 0.3 });
      if (config.tileUrl) {
        L.tileLayer(config.tileUrl, {
          maxZoom: config.maxZoom || 19, attribution: config.attribution || "", tms: false,
        }).addTo(map);
        map.getContainer().classList.add("rtcc-has-tiles");
      }
      // Division names sit under the camera markers so they never hide a camera.
      // Above the markers and cluster bubbles (600), which hid the names; below tooltips (650).
      map.createPane("divisionLabels").style.zIndex = 610;
      divisionLayer = L.layerGroup().addTo(map);
      coneLayer = L.layerGroup().addTo(map);
      incidentLayer = L.layerGroup().addTo(map);
      cluster = L.markerClusterGroup({
        chunkedLoading: true, chunkInterval: 50, chunkDelay: 10,
        disableClusteringAtZoom: CONE_MIN_ZOOM, maxClusterRadius: 50,
        showCoverageOnHover: false, spiderfyOnMaxZoom: false,
        chunkProgress: function (processed, total) {
          if (processed >= total && reportLoaded) {
            reportLoaded = false;
            if (bridge) bridge.camerasLoaded(cameras.size);
          }
        },
      }).addTo(map);
      map.on("moveend zoomend", drawCones);
      map.on("moveend zoomend resize", placeLabels);
      map.on("click", hideMenu);
      map.on("contextmenu", function (e) {
        var lat = e.latlng.lat, lon = e.latlng.lng;
        showMenu(e.containerPoint, [
          ["New incident here", function () { if (bridge) bridge.newIncidentAt(lat, lon); }],
        ], lat.toFixed(5) + ", " + lon.toFixed(5));
      });
      addLegend();
      new QWebChannel(qt.webChannelTransport, function (channel) {
        bridge = channel.objects.bridge;
        bridge.ready();
      });
    },

    // home: the workstation's own divisions (names); the map opens on them, drawn brighter.
    setDivisions: function (features, home) {
      divisionLayer.clearLayers();
      var approximate = false, homeBounds = L.latLngBounds([]);
      home = home || [];
      features.forEach(function (f) {
        approximate = approximate || !!f.properties.approximate;
        var own = home.indexOf(f.properties.name) >= 0;
        var layer = L.geoJSON(f, {
          style: own ? { color: "#c7d8f0", weight: 3, opacity: 1, fillColor: "#4f6a93", fillOpacity: 0.26 }
                     : { color: "#7f9cc7", weight: 2, opacity: 0.9, fillColor: "#3b4a63", fillOpacity: 0.18 },
          interactive: false,
        });
        if (own) homeBounds.extend(layer.getBounds());
        var label = el("span", "rtcc-division-label", f.properties.name);
        var center = f.properties.station ? L.latLng(f.properties.station[1], f.properties.station[0])
                                          : layer.getBounds().getCenter();
        L.tooltip({
          permanent: true, direction: "center", className: "rtcc-division-tooltip", interactive: false,
          pane: "divisionLabels",
        })
          .setLatLng(center).setContent(label).addTo(divisionLayer);
        layer.addTo(divisionLayer);
      });
      if (!this._fitted && features.length) {
        map.invalidateSize();
        var all = divisionLayer.getLayers().filter(function (l) { return l.getBounds; })
          .reduce(function (b, l) { return b.extend(l.getBounds()); }, L.latLngBounds([]));
        map.fitBounds(homeBounds.isValid() ? homeBounds : all, { animate: false });
        this._fitted = true;
      }
      var note = document.querySelector(".rtcc-approx");
      if (note) note.textContent = approximate ? "Division boundaries approximate" : "";
      return features.length;
    },

    setCameras: function (rows) { return RtccMap.addCameras(rows, true, true); },

    // The console sends a large registry in chunks: the first clears, the last draws.
    addCameras: function (rows, first, last) {
      if (first) cameras.clear();
      rows.forEach(function (c) { cameras.set(c.id, { data: c, marker: makeMarker(c) }); });
      if (!last) return cameras.size;
      reportLoaded = true;
      var shown = rebuildCluster();
      if (shown === 0 && reportLoaded) {
        reportLoaded = false;
        if (bridge) bridge.camerasLoaded(cameras.size);
      }
      return shown;
    },

    updateCameras: function (changes) {
      var changed = 0, refilter = false;
      changes.forEach(function (ch) {
        var entry = cameras.get(ch.id);
        if (!entry) return;
        var wasVisible = visible(entry.data);
        Object.keys(ch).forEach(function (k) { entry.data[k] = ch[k]; });
        entry.marker.setStyle(styleFor(entry.data));
        if (visible(entry.data) !== wasVisible) refilter = true;
        changed++;
      });
      if (refilter) rebuildCluster(); else drawCones();
      return changed;
    },

    setFilter: function (f) {
      Object.keys(f).forEach(function (k) { if (k in filter) filter[k] = !!f[k]; });
      return rebuildCluster();
    },

    select: select,

    goTo: function (lat, lon, label) {
      var ll = L.latLng(lat, lon);
      if (!gotoMarker) {
        gotoMarker = L.circleMarker(ll, { radius: 9, weight: 3, color: "#ff4df0", fill: false, interactive: false });
      }
      gotoMarker.setLatLng(ll).addTo(map);
      gotoMarker.unbindTooltip().bindTooltip(el("span", null, label || ""), { permanent: true, direction: sideFor(ll) });
      map.setView(ll, Math.max(map.getZoom(), 16), { animate: false });
      placeLabels();
    },

    // The searched place's ring and label, gone once the search moves on (it stayed on the map).
    clearGoTo: function () {
      if (gotoMarker) gotoMarker.remove();
      return true;
    },

    panTo: function (lat, lon, zoom) {
      map.setView(L.latLng(lat, lon), Math.max(map.getZoom(), zoom || 16), { animate: false });
    },

    setIncidents: function (incidents) {
      incidentLayer.clearLayers();
      incidents.forEach(function (inc) {
        L.circle([inc.lat, inc.lon], {
          radius: inc.radius, color: "#ff4d4d", weight: 2, dashArray: "6 6", fillOpacity: 0.06, interactive: false,
        }).addTo(incidentLayer);
        var dot = L.circleMarker([inc.lat, inc.lon], { radius: 7, color: "#ffffff", weight: 2, fillColor: "#ff4d4d", fillOpacity: 1 });
        dot.bindTooltip(el("span", "rtcc-incident-label", inc.label), { permanent: true, direction: sideFor(dot.getLatLng()) });
        dot.addTo(incidentLayer);
      });
      placeLabels();  // now that each label is drawn, its width is known
      return incidents.length;
    },

    // The console's theme: "light" or "dark" (the default look).
    setTheme: function (name) {
      var light = name === "light";
      document.documentElement.classList.toggle("rtcc-light", light);
      // The live-shareable ring is white on the dark map; on the light one it must be dark.
      var stroke = light ? "#15181d" : "#ffffff";
      if (TERMS_STROKE.live_and_recorded !== stroke) {
        TERMS_STROKE.live_and_recorded = stroke;
        cameras.forEach(function (entry) { entry.marker.setStyle(styleFor(entry.data)); });
      }
      return document.documentElement.className;
    },

    // For tests that point the mouse at a place: its position in page (CSS) pixels.
    pagePointOf: function (lat, lon) {
      var point = map.latLngToContainerPoint([lat, lon]);
      var box = map.getContainer().getBoundingClientRect();
      return JSON.stringify({ x: box.left + point.x, y: box.top + point.y });
    },

    // For tests and benchmarks: a read-only view of the page's state.
    state: function () {
      var center = map.getCenter();
      return JSON.stringify({
        cameras: cameras.size, clustered: cluster.getLayers().length, cones: coneLayer.getLayers().length,
        zoom: map.getZoom(), center: [center.lat, center.lng], filter: filter,
        bounds: [map.getBounds().getSouth(), map.getBounds().getWest(), map.getBounds().getNorth(),
                 map.getBounds().getEast()],
        highlight: highlight && map.hasLayer(highlight) ? [highlight.getLatLng().lat, highlight.getLatLng().lng] : null,
        incidents: incidentLayer.getLayers().length / 2, divisions: divisionLayer.getLayers().length / 2,
        goto: gotoMarker && map.hasLayer(gotoMarker) ? [gotoMarker.getLatLng().lat, gotoMarker.getLatLng().lng] : null,
        heap: (performance.memory && performance.memory.usedJSHeapSize) || null,
      });
    },
    _map: function () { return map; },
    marker: function (id) {
      var entry = cameras.get(id);
      return entry ? entry.marker : null;
    },
  };
})();
