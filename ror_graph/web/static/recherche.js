// /recherche: live results as people type, suggestions, the map. The page works without this script
// (a GET form); the script swaps the server-rendered results fragment and keeps the URL in step.
(function () {
  "use strict";
  var form = document.getElementById("recherche");
  var zone = document.getElementById("zone-resultats");
  var q = document.getElementById("q");
  var list = document.getElementById("suggestions");
  var mapEl = document.getElementById("carte");
  var map = null, markers = null, territory = null, pending = null, timer = null, active = -1, suggestSeq = 0;

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (String(value).trim()) params.append(key, value); });
    return params.toString();
  }

  function refresh(qs, push) {
    if (pending) pending.abort();
    pending = new AbortController();
    var focused = document.activeElement && document.activeElement.id;
    return fetch("/recherche/resultats?" + qs, { signal: pending.signal, headers: { Accept: "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        zone.innerHTML = html;
        // a filter chosen from the suggestions is now a checked box of the fragment: one place to uncheck it
        form.querySelectorAll("input[data-suggestion]").forEach(function (input) { input.remove(); });
        var url = "/recherche" + (qs ? "?" + qs : "");
        if (push) history.pushState({}, "", url); else history.replaceState({}, "", url);
        if (focused && zone.querySelector("#" + CSS.escape(focused))) document.getElementById(focused).focus();
        updateMap();
        document.dispatchEvent(new CustomEvent("ror:resultats"));
      })
      .catch(function (e) { if (e.name !== "AbortError") throw e; });
  }

  function later(push) {
    clearTimeout(timer);
    timer = setTimeout(function () { refresh(query(), push); }, 150);
  }

  // --- suggestions (ARIA combobox) ---------------------------------------------------------------
  function closeList() { list.hidden = true; list.innerHTML = ""; active = -1; q.setAttribute("aria-expanded", "false"); q.removeAttribute("aria-activedescendant"); }

  function choose(item) {
    var kind = item.dataset.kind, code = item.dataset.code, label = item.dataset.label;
    if (kind === "commune") {
      document.getElementById("autour").value = label;
      q.value = q.value.split(/\s+/).slice(0, -1).join(" ");
    } else {
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = kind; hidden.value = code; hidden.dataset.suggestion = "1";
      form.appendChild(hidden);
      q.value = "";
    }
    closeList();
    refresh(query(), true);
  }

  function showSuggestions(items) {
    list.innerHTML = "";
    items.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = "suggestion-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
      li.dataset.kind = s.kind; li.dataset.code = s.code; li.dataset.label = s.label;
      li.textContent = s.label;
      var kind = document.createElement("span"); kind.className = "genre"; kind.textContent = s.kindLabel;
      li.appendChild(kind);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(li); });
      list.appendChild(li);
    });
    list.hidden = !items.length;
    q.setAttribute("aria-expanded", items.length ? "true" : "false");
    active = -1;
  }

  function move(step) {
    var items = list.querySelectorAll("li");
    if (!items.length) return;
    if (active >= 0) items[active].setAttribute("aria-selected", "false");
    active = (active + step + items.length) % items.length;
    items[active].setAttribute("aria-selected", "true");
    q.setAttribute("aria-activedescendant", items[active].id);
  }

  q.addEventListener("input", function () {
    later(false);
    var words = q.value.trim().split(/\s+/), last = words[words.length - 1] || "";
    if (last.length < 2) { closeList(); return; }
    var asked = ++suggestSeq;
    fetch("/recherche/suggestions?q=" + encodeURIComponent(q.value)).then(function (r) { return r.json(); })
      .then(function (data) { if (asked === suggestSeq) showSuggestions(data.suggestions || []); });
  });
  q.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
    else if (e.key === "Escape") closeList();
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(list.querySelectorAll("li")[active]); }
  });
  q.addEventListener("blur", function () { setTimeout(closeList, 100); });

  // --- the form ------------------------------------------------------------------------------------
  form.addEventListener("submit", function (e) { e.preventDefault(); closeList(); refresh(query(), true); });
  form.addEventListener("change", function (e) {
    if (e.target === q) return;
    if (e.target.id === "autour") { document.getElementById("lat").value = ""; document.getElementById("lon").value = ""; }
    refresh(query(), true);
  });
  document.getElementById("autour").addEventListener("input", function () {
    document.getElementById("lat").value = ""; document.getElementById("lon").value = "";
  });
  zone.addEventListener("click", function (e) {
    var link = e.target.closest(".pages a");
    if (link) {
      e.preventDefault();
      refresh(new URL(link.href).search.slice(1), true).then(function () {
        var count = document.getElementById("compte"); if (count) { count.tabIndex = -1; count.focus(); }
      });
      return;
    }
    var button = e.target.closest(".zone-carte");
    if (button) showTerritory(JSON.parse(button.dataset.zone));
  });
  document.getElementById("ma-position").addEventListener("click", function () {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("lat").value = pos.coords.latitude.toFixed(5);
      document.getElementById("lon").value = pos.coords.longitude.toFixed(5);
      document.getElementById("autour").value = "";
      refresh(query(), true);
    });
  });
  window.addEventListener("popstate", function () { window.location.reload(); });

  // --- the map ---------------------------------------------------------------------------------------
  function card(hit) {
    var box = document.createElement("div"); box.className = "carte-fiche";
    var title = document.createElement("h3"), link = document.createElement("a");
    link.href = hit.dataset.url; link.textContent = hit.dataset.nom; title.appendChild(link); box.appendChild(title);
    [hit.dataset.etablissement, hit.dataset.adresse].forEach(function (text) {
      if (text) { var p = document.createElement("p"); p.textContent = text; box.appendChild(p); }
    });
    if (hit.dataset.distance) {
      var d = document.createElement("p"); d.className = "distance";
      d.textContent = "à " + Number(hit.dataset.distance).toFixed(1).replace(".", ",") + " km"; box.appendChild(d);
    }
    return box;
  }

  function updateMap() {
    if (!map) return;
    markers.clearLayers(); territory.clearLayers();
    var bounds = [];
    zone.querySelectorAll(".hit[data-lat]").forEach(function (hit) {
      var point = [Number(hit.dataset.lat), Number(hit.dataset.lng)];
      var marker = L.marker(point, { title: hit.dataset.nom, alt: hit.dataset.nom, keyboard: true });
      marker.bindPopup(card(hit));
      marker.on("popupopen", function () { hit.classList.add("actif"); });
      marker.on("popupclose", function () { hit.classList.remove("actif"); });
      markers.addLayer(marker); bounds.push(point);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 13 });
  }

  function showTerritory(communes) {
    if (!map) return;
    territory.clearLayers();
    var bounds = [];
    communes.forEach(function (c) {
      if (c.lat == null) return;
      territory.addLayer(L.circleMarker([c.lat, c.lng], { radius: 7, color: "#b34000" }).bindTooltip(c.nom));
      bounds.push([c.lat, c.lng]);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30] });
    mapEl.scrollIntoView({ block: "nearest" });
  }

  if (window.L && mapEl) {
    L.Icon.Default.imagePath = mapEl.dataset.icons;
    map = L.map(mapEl).setView([47.47, -0.55], 9);
    if (mapEl.dataset.tiles) {
      L.tileLayer(mapEl.dataset.tiles, { maxZoom: 18, attribution: mapEl.dataset.attribution }).addTo(map);
    }
    markers = L.layerGroup().addTo(map); territory = L.layerGroup().addTo(map);
    updateMap();
  }
})();
